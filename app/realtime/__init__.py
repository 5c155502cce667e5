"""Real-time delivery over Socket.IO. Connections are authenticated (session cookie or API
token) and each user joins a private room; later notifiers emit to ``user_room(id)``."""
