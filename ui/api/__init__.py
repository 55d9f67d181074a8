"""The HTTP API other programs speak: OpenAI-style chat and a small REST surface.

One FastAPI app over the app's `AppController`, mounted at /v1 beside the page
(`launch.py app`) or served alone (`launch.py serve SOURCE`), so a question
asked here is answered exactly as one typed in the page's chat.

    api = build_api(controller, Access(basic=("me", "pw"), api_key="s3cret"))
    # POST /v1/chat/completions, GET /v1/models, GET /v1/status, ... /v1/openapi.json
"""

from ui.api.access import Access
from ui.api.server import API_PATH, build_api

__all__ = ["API_PATH", "Access", "build_api"]
