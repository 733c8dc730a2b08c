"""What the two e-mail channels (smtp, imap) share: reading a message into a Contact, the
RFC 3834 auto-reply, the redirect headers and the outgoing SMTP connections. Not a plugin."""

from __future__ import annotations
