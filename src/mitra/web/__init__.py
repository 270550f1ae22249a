"""The HTTP edge: REST API, server-rendered pages, shared templates and static assets."""
