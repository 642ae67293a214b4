"""``/api/docs`` works offline: the page names no other host, and the Swagger UI script, style
and icon it loads come from the server itself (from a pinned package, not a CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from gitward.server.running import ServerConfig, run_server


async def test_the_api_docs_page_loads_every_asset_from_the_server_itself(tmp_path: Path) -> None:
    async with (
        run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        page = await client.get("/api/docs")
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        fetched = {asset: await client.get(asset) for asset in assets}
        schema = await client.get("/api/openapi.json")

    assert page.status_code == 200
    assert "//" not in "".join(assets)  # no scheme, no other host: nothing from a CDN
    assert sorted(asset.rsplit("/", 1)[1] for asset in assets) == [
        "favicon.png",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
    ]
    for asset, answer in fetched.items():
        assert answer.status_code == 200, asset
        assert len(answer.content) > 1000, asset
    assert "SwaggerUIBundle" in fetched[next(a for a in assets if a.endswith(".js"))].text
    assert "'/api/openapi.json'" in page.text or '"/api/openapi.json"' in page.text
    assert schema.json()["info"]["title"] == "gitward"
