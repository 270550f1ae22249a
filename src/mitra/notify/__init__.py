"""Telling people: notices sent by e-mail (SMTP) and signed webhooks, preferences, and the node's deliverer.

The inbox rows and ``post``, which every producer calls, are ``mitra.core.notices``; this package sends what was
posted, after commit, composing each message for its recipient with the policy at send time.
"""
