"""Fujian's cities and counties, by administrative division code.

Supervision is organised by area: a county inspector works one county, a city
inspector one city. Enterprises carry both codes, and access checks compare
codes for equality rather than prefixes, because 平潭综合实验区 (350128) is
administered at city level although its code sits under 福州.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "35"
PROVINCE_NAME = "福建省"


@dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple[tuple[str, str], ...]  # (code, name)


CITIES: tuple[City, ...] = (
    City("3501", "福州市", (
        ("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"), ("350105", "马尾区"),
        ("350111", "晋安区"), ("350112", "长乐区"), ("350121", "闽侯县"), ("350122", "连江县"),
        ("350123", "罗源县"), ("350124", "闽清县"), ("350125", "永泰县"), ("350181", "福清市"),
    )),
    City("3502", "厦门市", (
        ("350203", "思明区"), ("350205", "海沧区"), ("350206", "湖里区"), ("350211", "集美区"),
        ("350212", "同安区"), ("350213", "翔安区"),
    )),
    City("3503", "莆田市", (
        ("350302", "城厢区"), ("350303", "涵江区"), ("350304", "荔城区"), ("350305", "秀屿区"),
        ("350322", "仙游县"),
    )),
    City("3504", "三明市", (
        ("350404", "三元区"), ("350405", "沙县区"), ("350421", "明溪县"), ("350423", "清流县"),
        ("350424", "宁化县"), ("350425", "大田县"), ("350426", "尤溪县"), ("350428", "将乐县"),
        ("350429", "泰宁县"), ("350430", "建宁县"), ("350481", "永安市"),
    )),
    City("3505", "泉州市", (
        ("350502", "鲤城区"), ("350503", "丰泽区"), ("350504", "洛江区"), ("350505", "泉港区"),
        ("350521", "惠安县"), ("350524", "安溪县"), ("350525", "永春县"), ("350526", "德化县"),
        ("350581", "石狮市"), ("350582", "晋江市"), ("350583", "南安市"),
    )),
    City("3506", "漳州市", (
        ("350602", "芗城区"), ("350603", "龙文区"), ("350604", "龙海区"), ("350605", "长泰区"),
        ("350622", "云霄县"), ("350623", "漳浦县"), ("350624", "诏安县"), ("350626", "东山县"),
        ("350627", "南靖县"), ("350628", "平和县"), ("350629", "华安县"),
    )),
    City("3507", "南平市", (
        ("350702", "延平区"), ("350703", "建阳区"), ("350721", "顺昌县"), ("350722", "浦城县"),
        ("350723", "光泽县"), ("350724", "松溪县"), ("350725", "政和县"), ("350781", "邵武市"),
        ("350782", "武夷山市"), ("350783", "建瓯市"),
    )),
    City("3508", "龙岩市", (
        ("350802", "新罗区"), ("350803", "永定区"), ("350821", "长汀县"), ("350823", "上杭县"),
        ("350824", "武平县"), ("350825", "连城县"), ("350881", "漳平市"),
    )),
    City("3509", "宁德市", (
        ("350902", "蕉城区"), ("350921", "霞浦县"), ("350922", "古田县"), ("350923", "屏南县"),
        ("350924", "寿宁县"), ("350925", "周宁县"), ("350926", "柘荣县"), ("350981", "福安市"),
        ("350982", "福鼎市"),
    )),
    City("350128", "平潭综合实验区", (("350128", "平潭综合实验区"),)),
)  # fmt: skip

_CITY_BY_CODE = {city.code: city for city in CITIES}
_COUNTY = {code: (name, city) for city in CITIES for code, name in city.counties}


def city_of(county_code: str) -> City:
    """The city a county belongs to; ValueError for a code outside Fujian's table."""
    try:
        return _COUNTY[county_code][1]
    except KeyError:
        raise ValueError(f"未知的县（市、区）代码 {county_code!r}") from None


def county_name(county_code: str) -> str:
    city_of(county_code)
    return _COUNTY[county_code][0]


def region_name(code: str | None) -> str:
    """Readable name of a province, city or county code."""
    if code in (None, "", PROVINCE_CODE):
        return PROVINCE_NAME
    if code in _CITY_BY_CODE and code != "350128":
        return _CITY_BY_CODE[code].name
    if code in _COUNTY:
        name, city = _COUNTY[code]
        return name if city.code == code else f"{city.name}{name}"
    raise ValueError(f"未知的行政区划代码 {code!r}")


def validate_region(code: str | None) -> str | None:
    """Return a known province/city/county code (None means the whole province)."""
    if code in (None, "", PROVINCE_CODE):
        return None
    region_name(code)
    return code
