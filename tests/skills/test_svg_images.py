"""SVG sanitising against known attack vectors, charts from data, image backends (offline SVG
through the model; an OpenAI-compatible images API served by a real HTTP server in the test)."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from banshi.errors import ModelError
from banshi.models.fake import FunctionBackend
from banshi.skills import charts, images, svg

GOOD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="red"/></svg>'

S = '<svg xmlns="http://www.w3.org/2000/svg"'
ATTACKS = {
    "script": S + '><script>alert(1)</script><rect width="5" height="5"/></svg>',
    "script_ns": S + ' xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>',
    "onload": S + ' onload="alert(1)"><rect onclick="alert(1)" width="5" height="5"/></svg>',
    "foreignObject": S + '><foreignObject><body xmlns="http://www.w3.org/1999/xhtml">'
        '<iframe src="https://evil.example"/></body></foreignObject></svg>',
    "js_href": S + ' xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)">'
        '<rect width="5" height="5"/></a></svg>',
    "external_use": S + '><use href="https://evil.example/sprite.svg#x"/></svg>',
    "external_image": S + '><image href="https://evil.example/t.png" width="10" height="10"/></svg>',
    "data_image": S + '><image href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Lz48L3N2Zz4="/></svg>',
    "css_import": S + '><style>@import url(https://evil.example/x.css);</style><rect width="5" height="5"/>'
        '</svg>',
    "css_url": S + '><rect style="fill: url(https://evil.example/p)" width="5" height="5"/></svg>',
    "attr_url": S + '><rect fill="url(https://evil.example/p#g)" filter="url(http://e/x)" width="5" height="5"/>'
        '</svg>',
    "animate": S + '><a><animate attributeName="href" to="javascript:alert(1)"/>'
        '<set attributeName="onmouseover" to="alert(1)"/><text>x</text></a></svg>',
    "iframe": S + '><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/></svg>',
    "handler_case": S + '><rect ONCLICK="alert(1)" OnMouseOver="x()" width="5" height="5"/></svg>',
    "css_escape": S + '><rect style="background:url(\\6a avascript:alert(1))" width="5" height="5"/></svg>',
    "xml_stylesheet": '<?xml-stylesheet href="https://evil.example/x.css"?>'
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>',
    "other_ns_attr": S + ' xmlns:ev="http://www.w3.org/2001/xml-events">'
        '<rect ev:event="click" ev:handler="#h" width="5" height="5"/></svg>',
    "feImage": S + '><filter id="f"><feImage href="https://evil.example/x.png"/></filter></svg>',
    "cdata_script": S + '><script><![CDATA[alert(1)]]></script></svg>',
    "no_namespace": '<svg><script>alert(1)</script><rect width="5" height="5" onclick="x"/></svg>',
}

FORBIDDEN = ["script", "alert", "javascript", "evil.example", "foreignObject", "iframe", "onload", "onclick",
             "ONCLICK", "animate", "<set", "@import", "data:", "image", "xml-stylesheet", "handler", "6a avascript"]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_sanitizer_strips_attack(name):
    report = svg.SanitizeReport()
    out = svg.sanitize(ATTACKS[name], report)
    lowered = out.lower()
    for bad in FORBIDDEN:
        assert bad.lower() not in lowered, (name, bad, out)
    assert report.changed, name
    svg.check_png(svg.rasterize(out))  # what is left still renders


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
    "<svg xmlns='http://www.w3.org/2000/svg'>" + "<g>" * 100 + "</g>" * 100 + "</svg>",
    "<svg xmlns='http://www.w3.org/2000/svg'>" + "<rect/>" * 5000 + "</svg>",
    "<html><body/></html>",
    "not xml at all <svg",
])
def test_sanitizer_refuses_entities_bombs_and_garbage(doc):
    with pytest.raises(svg.UnsafeSVG):
        svg.sanitize(doc)


def test_sanitizer_keeps_drawing_and_local_references():
    doc = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
           '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient>'
           '<circle id="c" r="2"/></defs><rect width="10" height="10" fill="url(#g)"/>'
           '<use xlink:href="#c" x="5" y="5"/><text x="1" y="9" font-size="2">你好</text></svg>')
    out = svg.sanitize(doc)
    assert 'fill="url(#g)"' in out and 'href="#c"' in out and "你好" in out


def test_huge_canvas_and_blur_are_bounded():
    out = svg.sanitize('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">'
                       '<filter id="f"><feGaussianBlur stdDeviation="100000"/></filter></svg>')
    assert 'width="2048"' in out and 'stdDeviation="50"' in out


def test_truncated_model_svg_is_repaired():
    cut = '```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g><rect width="4" height="4"/><circ'
    out = svg.sanitize(svg.extract_svg(cut))
    assert out.count("<rect") == 1 and out.endswith("</svg>")


def test_chart_from_data_is_exact():
    spec = charts.parse_chart_request("Bar chart of monthly sales: Jan 120, Feb 150, Mar 90")
    assert spec and spec.kind == "bar" and spec.labels == ["Jan", "Feb", "Mar"] and spec.values == [120, 150, 90]
    pie = charts.parse_chart_request("画一个饼图：苹果 30，香蕉 20，橙子 50")
    assert pie and pie.kind == "pie" and pie.labels == ["苹果", "香蕉", "橙子"]
    doc = svg.sanitize(charts.render(pie))
    assert "50.0%" in doc and "苹果" in doc
    assert charts.parse_chart_request("draw a cat on a sofa") is None
    png = svg.rasterize(svg.sanitize(charts.render(spec)))
    assert svg.check_png(png) == (800, 500)


def _png(color: str = "red", size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_offline_svg_backend_sanitises_and_rasterises_model_output():
    evil = GOOD.replace("<circle", '<script>fetch("https://evil.example")</script><circle onclick="x()"')
    backend = FunctionBackend(lambda m, **_: f"Here you go:\n```svg\n{evil}\n```")
    [img] = images.generate(backend, "a red ball icon", size="256x256",
                            settings=images.ImageSettings(backend="svg"))
    assert img.source == "svg" and "script" not in img.svg and "onclick" not in img.svg
    assert svg.check_png(img.png) == (256, 256)
    with Image.open(io.BytesIO(img.png)) as im:
        assert im.convert("RGB").getpixel((128, 128)) == (255, 0, 0)
    assert "icon" in backend.calls[0]["messages"][1].content


def test_offline_backend_gives_up_clearly_when_the_model_draws_nothing():
    backend = FunctionBackend(lambda m, **_: "I cannot draw.")
    with pytest.raises(ModelError, match="usable SVG"):
        images.generate(backend, "a castle", settings=images.ImageSettings(backend="svg"))
    assert len(backend.calls) == 2  # one retry


class _ImagesServer(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _ImagesServer.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        if body["prompt"] == "fail":
            self._send(400, {"error": {"message": "content policy"}})
            return
        port = self.server.server_address[1]
        if body["prompt"].startswith("url"):
            data = [{"url": f"http://127.0.0.1:{port}/files/1.png"}]
        else:
            data = [{"b64_json": base64.b64encode(_png("blue")).decode(), "revised_prompt": "a blue square"}]
        self._send(200, {"created": 1, "data": data})

    def do_GET(self):  # noqa: N802
        raw = _png("green")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _send(self, status, obj):
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def images_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImagesServer)
    _ImagesServer.requests = []
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_images_api_round_trip(images_server):
    settings = images.ImageSettings(backend="openai", base_url=images_server, api_key="k-123", model="wanx")
    [img] = images.generate(FunctionBackend(lambda m, **_: ""), "a blue square", size="512x512", settings=settings)
    with Image.open(io.BytesIO(img.png)) as im:
        assert im.format == "PNG" and im.convert("RGB").getpixel((1, 1)) == (0, 0, 255)
    assert img.revised_prompt == "a blue square"
    sent = _ImagesServer.requests[0]
    assert sent["auth"] == "Bearer k-123"
    assert sent["body"] == {"prompt": "a blue square", "n": 1, "response_format": "b64_json", "model": "wanx",
                            "size": "512x512"}
    [by_url] = images.generate(FunctionBackend(lambda m, **_: ""), "url please", settings=settings)
    with Image.open(io.BytesIO(by_url.png)) as im:
        assert im.convert("RGB").getpixel((1, 1)) == (0, 128, 0)
    with pytest.raises(ModelError, match="content policy"):
        images.generate(FunctionBackend(lambda m, **_: ""), "fail", settings=settings)


def test_unreachable_images_api_is_a_clear_error():
    settings = images.ImageSettings(backend="openai", base_url="http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(ModelError, match="unreachable"):
        images.generate(FunctionBackend(lambda m, **_: ""), "x", settings=settings)


def test_common_model_slips_are_tolerated_but_unknown_namespaces_dropped():
    doc = (S + '><defs><circle id="c" r="3"/></defs><use xlink:href="#c"/><text>Q&A</text>'
           '<foo:bar/><rect sodipodi:x="1" width="2" height="2"/></svg>')
    out = svg.sanitize(doc)
    assert 'href="#c"' in out and "Q&amp;A" in out and "foo" not in out and "sodipodi" not in out


def test_flow_with_arrows_is_laid_out_not_drawn():
    flow = charts.parse_flow_request("登录流程示意图：输入账号 → 验证 → 进入首页")
    assert flow and flow.steps == ["输入账号", "验证", "进入首页"] and flow.title == "登录流程示意图"
    assert charts.parse_flow_request("a poster for the spring festival") is None
    backend = FunctionBackend(lambda m, **_: "never called")
    [img] = images.generate(backend, "flow: order placed -> paid -> shipped", settings=images.ImageSettings())
    assert img.source == "chart" and not backend.calls
    assert img.svg.count("<rect") == 4 and 'marker-end="url(#arrow)"' in img.svg


def test_text_running_off_the_canvas_is_pulled_back():
    doc = svg.sanitize(S + ' viewBox="0 0 200 100"><text x="150" y="40" font-size="30">一张很长很长的海报标题</text>'
                       '<text x="10" y="80">fits</text></svg>')
    out = svg.fit_text(doc)
    assert 'x="100"' in out and 'text-anchor="middle"' in out
    size = float(out.split('font-size="')[1].split('"')[0])
    assert size * 11 <= 200  # eleven CJK glyphs now fit in 200 px
    assert '<text x="10" y="80">fits</text>' in out


def test_blank_drawing_is_drawn_again():
    blank = (S + ' viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/>'
             '<circle r="2" cx="5" cy="5" fill="#00f"/></svg>')
    replies = iter([blank, GOOD])
    backend = FunctionBackend(lambda m, **_: next(replies))
    [img] = images.generate(backend, "a blue mail icon", size="64x64", settings=images.ImageSettings())
    assert len(backend.calls) == 2 and not images.is_blank(img.png)
