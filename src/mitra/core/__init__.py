"""The node's core: storage, the STIX object store, identity and errors."""
