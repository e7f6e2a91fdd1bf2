"""Share of image prompts that give a valid, safe PNG, and seconds per image, through the
configured images backend (default: offline — charts from data, other prompts drawn as SVG by
the local model, sanitised and rasterised).

    python -m bench.images --n 50 [--size 512x512] [--out DIR]

A PNG counts as valid when it decodes, has the requested size and is not blank (more than one
colour with real spread); as safe when its SVG passes the sanitiser a second time unchanged and
holds none of the forbidden constructs. The prompt list mixes icons, posters, diagrams,
illustrations and charts in Chinese and English, interleaved so that any ``--n`` gets a mix.
Prints JSON; never asserts.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from pathlib import Path

from banshi.config import get_settings
from banshi.errors import BanshiError
from banshi.models.base import get_backend
from banshi.skills import images, svg

PROMPTS = [
    "a red apple icon", "一张春节联欢晚会的海报", "flow diagram: user → API → model → answer",
    "a cat sitting on a windowsill at night", "bar chart of monthly sales: Jan 120, Feb 150, Mar 90, Apr 200",
    "一个蓝色的邮件图标", "poster for a school science fair on May 20", "登录流程示意图：输入账号 → 验证 → 进入首页",
    "a sailing boat on the sea under the sun", "饼图：苹果 30，香蕉 20，橙子 50",
    "a settings gear icon", "一张读书日活动的宣传海报", "architecture diagram: browser, web server, database",
    "一座有树和小河的山村", "line chart of temperature: Mon 12, Tue 15, Wed 9, Thu 18, Fri 20",
    "a green leaf logo", "birthday card for grandma", "思维导图：学习计划（阅读、运动、编程）",
    "a rocket flying to the moon", "柱状图 2023年各季度营收 Q1 1.2, Q2 1.5, Q3 0.9, Q4 2.1",
    "一个购物车图标", "concert poster for a jazz night", "process diagram: order placed → paid → shipped → delivered",
    "一只在草地上的小狗", 'pie chart {"rent": 40, "food": 25, "transport": 15, "other": 20}',
    "a weather icon with sun and cloud", "中秋节贺卡", "the water cycle diagram",
    "a lighthouse on a cliff", "折线图 用户数 1月 100，2月 180，3月 260，4月 300",
    "a music note icon", "招聘海报：前端工程师", "a three-layer network diagram",
    "一座城市的夜景", "bar chart of votes: red 12, blue 19, green 7",
    "一个地图定位图标", "poster: save water", "茶叶从采摘到上架的流程图",
    "a snowman in winter", "pie chart of market share: A 45, B 30, C 25",
    "a camera icon", "环保主题海报", "diagram of a plant cell with labels",
    "熊猫吃竹子", "line chart of savings: 2020 1.5, 2021 2.4, 2022 3.1, 2023 4.0",
    "a heart icon", "a welcome banner for a new team member", "客服工单处理流程图",
    "a hot air balloon over hills", "各部门人数柱状图：研发 40，销售 25，市场 12，行政 8",
]

_FORBIDDEN = re.compile(r"<script|javascript:|\son\w+=|foreignObject|<image|https?://(?!www\.w3\.org)|@import", re.I)


def check(img: images.GeneratedImage, size: tuple[int, int]) -> tuple[bool, bool, str]:
    """``(valid, safe, why_not)`` for one generated image."""
    from PIL import Image, ImageStat

    safe = True
    why = ""
    if img.svg is not None:
        report = svg.SanitizeReport()
        again = svg.sanitize(img.svg, report)
        safe = not report.changed and not _FORBIDDEN.search(again)
        if not safe:
            why = "unsafe SVG survived"
    try:
        with Image.open(io.BytesIO(img.png)) as im:
            im.load()
            if im.format != "PNG":
                return False, safe, "not PNG"
            if img.source != "chart" and im.size != size:
                return False, safe, f"size {im.size}"
            stat = ImageStat.Stat(im.convert("L"))
            if stat.extrema[0][1] - stat.extrema[0][0] < 16 or stat.stddev[0] < 2:
                return False, safe, "blank image"
    except Exception as exc:  # Pillow raises many types for broken files
        return False, safe, f"broken PNG: {exc}"
    return True, safe, why


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--size", default="512x512")
    ap.add_argument("--out", type=Path, default=None, help="save the PNGs here")
    args = ap.parse_args(argv)
    size = images.parse_size(args.size)
    settings = get_settings()
    chat = get_backend(settings)
    image_settings = images.get_image_settings()
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.n)]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    ok = safe_n = 0
    total = 0.0
    by_source: dict[str, list[int]] = {}
    for i, prompt in enumerate(prompts):
        start = time.monotonic()
        source = "error"
        try:
            [img] = images.generate(chat, prompt, size=args.size, settings=image_settings)
            valid, safe, why = check(img, size)
            source = img.source
            if args.out:
                (args.out / f"{i:02d}-{img.source}.png").write_bytes(img.png)
        except BanshiError as exc:
            valid, safe, why = False, True, exc.message
        took = time.monotonic() - start
        total += took
        ok += valid and safe
        safe_n += safe
        stats = by_source.setdefault(source, [0, 0])
        stats[0] += 1
        stats[1] += valid and safe
        print(f"[{i + 1}/{len(prompts)}] {'ok ' if valid and safe else 'BAD'} {took:5.1f}s {source:5} "
              f"{prompt[:40]} {why}", file=sys.stderr)
    n = len(prompts)
    print(json.dumps({
        "n": n, "valid_safe_rate": round(ok / n, 4) if n else 0.0, "safe_rate": round(safe_n / n, 4) if n else 0.0,
        "s_per_image": round(total / n, 2) if n else 0.0, "size": args.size, "backend": image_settings.backend,
        "by_source": {k: {"n": v[0], "valid_safe": v[1]} for k, v in by_source.items()},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
