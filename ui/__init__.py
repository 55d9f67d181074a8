"""The Gradio front end (talks to streamer only through the Session API)."""
