"""Notifications: one module, pluggable channels (in-app, SMS, WeChat template messages),
every message recorded with its outcome. The API is `propdesk.notifications.services.notify`."""
