"""Weather: a deterministic sandbox provider (same city and date, same forecast, plausible for
the season and latitude), and a real HTTP provider for an Open-Meteo compatible API used when
``settings.weather_url`` is set (e.g. https://api.open-meteo.com/v1/forecast)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Any, Protocol

from banshi import days
from banshi.agents.tools import Planned, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import BanshiError, InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import stable_unit

#: name (zh and en) -> (latitude, longitude)
CITIES: dict[str, tuple[float, float]] = {
    "北京": (39.90, 116.41),
    "beijing": (39.90, 116.41),
    "上海": (31.23, 121.47),
    "shanghai": (31.23, 121.47),
    "广州": (23.13, 113.26),
    "guangzhou": (23.13, 113.26),
    "深圳": (22.54, 114.06),
    "shenzhen": (22.54, 114.06),
    "杭州": (30.27, 120.16),
    "hangzhou": (30.27, 120.16),
    "南京": (32.06, 118.80),
    "nanjing": (32.06, 118.80),
    "成都": (30.57, 104.07),
    "chengdu": (30.57, 104.07),
    "重庆": (29.56, 106.55),
    "chongqing": (29.56, 106.55),
    "武汉": (30.59, 114.31),
    "wuhan": (30.59, 114.31),
    "西安": (34.34, 108.94),
    "xian": (34.34, 108.94),
    "天津": (39.34, 117.36),
    "tianjin": (39.34, 117.36),
    "哈尔滨": (45.80, 126.53),
    "harbin": (45.80, 126.53),
    "沈阳": (41.81, 123.43),
    "长沙": (28.23, 112.94),
    "郑州": (34.75, 113.63),
    "济南": (36.65, 117.12),
    "青岛": (36.07, 120.38),
    "厦门": (24.48, 118.09),
    "昆明": (25.04, 102.71),
    "三亚": (18.25, 109.51),
    "拉萨": (29.65, 91.14),
    "乌鲁木齐": (43.83, 87.62),
    "香港": (22.32, 114.17),
    "hong kong": (22.32, 114.17),
    "台北": (25.03, 121.57),
    "new york": (40.71, -74.01),
    "london": (51.51, -0.13),
    "paris": (48.86, 2.35),
    "tokyo": (35.68, 139.69),
    "东京": (35.68, 139.69),
    "seoul": (37.57, 126.98),
    "首尔": (37.57, 126.98),
    "singapore": (1.35, 103.82),
    "新加坡": (1.35, 103.82),
    "sydney": (-33.87, 151.21),
    "los angeles": (34.05, -118.24),
    "san francisco": (37.77, -122.42),
    "berlin": (52.52, 13.40),
    "moscow": (55.76, 37.62),
}


def locate(city: str) -> tuple[str, tuple[float, float]]:
    key = city.strip().lower().removesuffix("市")
    if key in CITIES:
        name = city.strip()
        return (name.title() if name.isascii() else name), CITIES[key]  # "shanghai" is shown "Shanghai"
    raise NotFound(f"unknown city {city!r}; known: {', '.join(sorted(k for k in CITIES if not k.isascii()))}")


class WeatherProvider(Protocol):
    name: str

    def forecast(self, city: str, lat: float, lon: float, day: date) -> dict[str, Any]: ...


class SandboxWeather:
    """Deterministic: a seasonal temperature curve by latitude plus stable noise per city and day."""

    name = "sandbox"

    def forecast(self, city: str, lat: float, lon: float, day: date) -> dict[str, Any]:
        doy = day.timetuple().tm_yday
        season = math.cos(2 * math.pi * (doy - 200) / 365) * (1 if lat >= 0 else -1)  # +1 mid-July (north)
        mean = 27 - abs(lat) * 0.45 + season * (4 + abs(lat) * 0.3)
        place = f"{lat:.3f},{lon:.3f}"  # the place, not its spelling: 上海, Shanghai and shanghai agree
        noise = stable_unit(place, day.isoformat())
        high = round(mean + 4 + noise * 4)
        low = round(mean - 5 - stable_unit(day.isoformat(), place) * 3)
        conditions = ["晴 sunny", "多云 cloudy", "阴 overcast", "小雨 light rain", "中雨 rain", "雷阵雨 thunderstorms"]
        if low <= 0:
            conditions[3:] = ["小雪 light snow", "雨夹雪 sleet", "晴 sunny"]
        cond = conditions[int(stable_unit("c", place, day.isoformat()) * len(conditions))]
        rain = cond.split()[1] in ("rain", "thunderstorms", "snow", "sleet") or "rain" in cond or "snow" in cond
        return {
            "city": city,
            "date": day.isoformat(),
            "condition": cond,
            "high_c": high,
            "low_c": low,
            "precipitation_chance": round(60 + noise * 35) if rain else round(noise * 20),
            "wind_level": 1 + int(stable_unit("w", place, day.isoformat()) * 5),
            "provider": self.name,
            "note": common.SANDBOX + " (simulated forecast)",
        }


class OpenMeteoWeather:
    """A real forecast from an Open-Meteo compatible HTTP API."""

    name = "open-meteo"
    CODES = {
        0: "晴 clear",
        1: "晴间多云 mainly clear",
        2: "多云 partly cloudy",
        3: "阴 overcast",
        45: "雾 fog",
        51: "毛毛雨 drizzle",
        61: "小雨 light rain",
        63: "中雨 rain",
        65: "大雨 heavy rain",
        71: "小雪 light snow",
        73: "中雪 snow",
        75: "大雪 heavy snow",
        80: "阵雨 showers",
        95: "雷阵雨 thunderstorm",
    }

    def __init__(self, url: str, transport: Any = None):
        self.url = url
        self.transport = transport

    def forecast(self, city: str, lat: float, lon: float, day: date) -> dict[str, Any]:
        import httpx

        params = {
            "latitude": lat,
            "longitude": lon,
            "timezone": "auto",
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max",
        }
        try:
            with httpx.Client(timeout=10, transport=self.transport) as client:
                resp = client.get(self.url, params=params)
                resp.raise_for_status()
                daily = resp.json()["daily"]
        except (httpx.HTTPError, KeyError, ValueError) as e:
            raise BanshiError(f"the weather provider failed: {e}", code="provider_error", status=502) from e
        code = daily["weather_code"][0]
        return {
            "city": city,
            "date": day.isoformat(),
            "condition": self.CODES.get(code, f"code {code}"),
            "high_c": daily["temperature_2m_max"][0],
            "low_c": daily["temperature_2m_min"][0],
            "precipitation_chance": (daily.get("precipitation_probability_max") or [None])[0],
            "provider": self.name,
        }


def provider_for(settings: Settings) -> WeatherProvider:
    return OpenMeteoWeather(settings.weather_url) if settings.weather_url else SandboxWeather()


_ASKS = re.compile(
    r"天气|下雨|下雪|气温|温度|降温|刮风|带伞|冷不冷|热不热|weather|rain|snow|umbrella|forecast|temperature", re.I
)


_ASKING = re.compile(
    r"[?？吗呢]|怎么样|如何|会不会|要不要|多少度|几度|冷不冷|热不热|\b(?:how|what|will|is it|should i|do i need)\b",
    re.I,
)


#: a turn going on with the forecast asked before it, naming another day or city
_FOLLOW = re.compile(r"呢[?？]?$|^(?:那|and\b|what about|how about)", re.I)


def _cities(text: str) -> str | None:
    """The one known city ``text`` names ("" when none, None when several)."""
    low = text.lower()
    named = {
        c for c in CITIES if (not c.isascii() and c in text) or (c.isascii() and re.search(rf"\b{re.escape(c)}\b", low))
    }
    if len({CITIES[c] for c in named}) > 1:
        return None
    return max(named, key=len, default="")


def read_request(text: str, history: list[str]) -> list[Planned]:
    """A forecast for the one known city the request names, on the day it says (no model); for
    the city the conversation or memory last named when it names none. The weather routed to
    for a follow-up (「周末呢？」, "what about Shanghai?") is read as a forecast too."""
    low = text.lower()
    follow_up = _FOLLOW.search(text.strip()) and (days.DAY.search(text) or _cities(text))  # 「周末呢？」
    if not _ASKS.search(low) and not follow_up:
        return []
    said = _cities(text)
    if said is None:  # two cities: the model tells which
        return []
    if not said and not _ASKING.search(low):
        return []  # "the weather report on TV was funny": no forecast asked for
    when = days.DAY.search(text)
    # no city said: the one the conversation, or memory, last named alone for the day asked
    # (「我下周五要去北京出差」 is no word of today's city); none: it is asked for
    city = said or next((c for h in reversed(history) if (c := _cities(h)) and _not_later(h, when)), "")
    args = ({"city": city} if city else {}) | ({"date": when.group(0).lower()} if when else {})
    if when and re.search(r"周末|weekend", when.group(0), re.I):
        args["days"] = 2  # Saturday and Sunday
    return [Planned("get_weather", args)]


def _not_later(said: str, asked: re.Match[str] | None) -> bool:
    """Whether ``said`` speaks of no day, or of one not after the day asked about (today when none
    is said): where the user will be next Friday is not where they are today."""
    other = days.DAY.search(said)
    if other is None:
        return True
    today = date.today()
    then, day = days.spoken_day(other.group(0), today), days.spoken_day(asked.group(0) if asked else "今天", today)
    return then is None or day is None or then <= day


def say_forecast(data: dict[str, Any], zh: bool) -> str:
    """Each day's forecast with the numbers as the provider gave them."""
    lines = []
    for f in data["forecast"]:
        rain = f.get("precipitation_chance")
        if zh:
            line = f"{f['city']} {f['date']}：{f['condition']}，最高 {f['high_c']}°C，最低 {f['low_c']}°C"
            line += f"，降水概率 {rain}%" if rain is not None else ""
        else:
            line = f"{f['city']} {f['date']}: {f['condition']}, high {f['high_c']}°C, low {f['low_c']}°C"
            line += f", {rain}% chance of rain or snow" if rain is not None else ""
        lines.append(line)
    return "\n".join(lines)


def build(settings: Settings, provider: WeatherProvider | None = None) -> Service:
    prov = provider or provider_for(settings)

    @tool(say=say_forecast)
    def get_weather(ctx: ToolContext, city: str, date: str = "", days: int = 1) -> dict:
        """The weather forecast for a city: condition, high and low in °C, chance of rain.

        Args:
            city: the city, e.g. 北京 or Shanghai
            date: the first day, YYYY-MM-DD, today or tomorrow (default today)
            days: how many days (1-7)
        """
        if not 1 <= days <= 7:
            raise InvalidInput("days must be 1-7")
        name, (lat, lon) = locate(city)
        first = common.parse_date(date, ctx) if date else common.local_now(ctx).date()
        return {"forecast": [prov.forecast(name, lat, lon, first + timedelta(days=i)) for i in range(days)]}

    return Service(
        name="weather",
        plan=read_request,
        title="Weather",
        description=f"Weather forecasts for cities ({prov.name} provider).",
        tools=[get_weather],
        examples=[
            "北京明天天气怎么样",
            "上海今天会下雨吗",
            "这周末杭州冷不冷",
            "what's the weather in Beijing tomorrow",
            "will it rain in Shanghai today",
            "weather forecast for the next three days",
        ],
        keywords=["天气", "下雨", "下雪", "气温", "温度", "降温", "刮风", "带伞", "冷不冷", "热不热", "weather", "rain",
                  "snow", "umbrella", "forecast", "temperature"],
        sandbox=isinstance(prov, SandboxWeather),
        provider=prov.name,
    )
