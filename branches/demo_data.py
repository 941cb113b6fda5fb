"""Made-up material for the demo ledger: name parts, kinds of organisation, people's names.

Every name here is invented from common words (字号 such as 宏达 or 金泰 are found all over China); credit codes
and mobile numbers are generated, never copied. Brands of delivery and ride-hailing platforms appear only as
invented local outlets, as docs/domain.md describes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# district code → (full name, short name used inside organisation names), with relative weights
DISTRICTS = {
    "150302": ("海勃湾区", "海勃湾", 45),
    "150303": ("海南区", "海南", 25),
    "150304": ("乌达区", "乌达", 30),
}

# Invented trade names (字号): first × second character, picked without repetition.
BRAND_FIRST = "宏恒金瑞鑫华昊泰博正天德兴祥嘉北永亿荣佳晨盛巨汇伟通源丰润"
BRAND_SECOND = "达信泰丰源晟和远元润盛旺瑞禾辰安鼎业阳海宇峰隆昌鹏凯展"
# Pairs that are the names of well-known groups: left out so that no demo row looks like a real company.
BRAND_AVOID = frozenset({"华润", "荣盛", "华信", "正泰", "天润", "恒信", "通达", "恒安", "德信", "华鼎"})

# (word in the name, industry as GB/T 4754 names it)
TRADES = [
    ("化工", "化学原料和化学制品制造业"),
    ("氯碱化工", "化学原料和化学制品制造业"),
    ("精细化工", "化学原料和化学制品制造业"),
    ("焦化", "石油、煤炭及其他燃料加工业"),
    ("煤业", "煤炭开采和洗选业"),
    ("硅铁", "黑色金属冶炼和压延加工业"),
    ("冶金", "黑色金属冶炼和压延加工业"),
    ("建材", "非金属矿物制品业"),
    ("陶瓷", "非金属矿物制品业"),
    ("新材料", "化学原料和化学制品制造业"),
    ("能源", "电力、热力生产和供应业"),
    ("热电", "电力、热力生产和供应业"),
    ("葡萄酒业", "酒、饮料和精制茶制造业"),
    ("机械制造", "通用设备制造业"),
    ("物流", "道路运输业"),
    ("商贸", "批发业"),
    ("建筑工程", "房屋建筑业"),
    ("房地产开发", "房地产业"),
    ("餐饮管理", "餐饮业"),
    ("物业服务", "房地产业"),
]
COMPANY_SUFFIXES = ["有限公司", "有限责任公司", "有限责任公司", "股份有限公司"]

ASSOCIATIONS = [
    "乌海市餐饮行业协会",
    "乌海市建筑业协会",
    "乌海市物流与采购协会",
    "乌海市个体私营企业协会",
    "乌海市家政服务业协会",
    "乌海市美容美发行业协会",
    "乌海市汽车维修行业协会",
    "乌海市葡萄酒产业协会",
    "乌海市电子商务协会",
    "乌海市焦化行业协会",
    "乌海市浙江商会",
    "乌海市河南商会",
    "乌海市温州商会",
    "乌海市福建商会",
    "乌海市山西商会",
    "乌海市宁夏商会",
    "乌海市四川商会",
    "乌海市江苏商会",
    "乌海市陕西商会",
    "乌海市青年企业家商会",
    "{district}个体劳动者协会",
    "{district}餐饮业商会",
    "{district}建材商会",
    "乌海市书法家协会",
    "乌海市摄影家协会",
    "乌海市老年人体育协会",
]
WOMEN_SOCIAL = [
    ("乌海市女企业家协会", "association"),
    ("乌海市巾帼志愿者协会", "association"),
    ("乌海市女性创业者协会", "association"),
    ("乌海市妇女儿童发展促进会", "association"),
    ("乌海市女律师协会", "association"),
    ("乌海市女摄影家协会", "association"),
    ("乌海市女医师协会", "association"),
    ("乌海市家庭教育研究会", "association"),
    ("{district}巾帼家政服务中心", "social_service"),
    ("{district}巾帼巧手手工艺协会", "association"),
    ("{district}新时代女性成长服务中心", "social_service"),
    ("乌海市母婴护理服务中心", "social_service"),
    ("乌海市巾帼创业就业服务中心", "social_service"),
    ("{district}妇女手工编织协会", "association"),
]
SOCIAL_SERVICES = [
    "乌海市乐善社会工作服务中心",
    "乌海市启航社会工作服务中心",
    "乌海市向阳花社会工作服务中心",
    "乌海市同心社会工作服务中心",
    "乌海市青少年心理健康服务中心",
    "乌海市阳光助残服务中心",
    "乌海市春晖公益服务中心",
    "{district}夕阳红养老服务中心",
    "{district}康乐居家养老服务中心",
    "{district}社区矫正帮扶中心",
    "{district}邻里互助服务中心",
    "乌海市黄河湿地生态保护中心",
    "乌海市残疾人康复服务中心",
    "乌海市未成年人成长指导中心",
    "乌海市平安志愿服务中心",
    "乌海市民间文化艺术传承中心",
]
FOUNDATIONS = [
    "乌海市慈善助学基金会",
    "乌海市黄河生态保护基金会",
    "乌海市扶贫济困基金会",
    "乌海市乡村振兴公益基金会",
]
EXPRESS_BRANDS = [
    ("中通快递", "分部"),
    ("圆通速递", "营业部"),
    ("申通快递", "分部"),
    ("韵达快递", "服务部"),
    ("顺丰速运", "营业点"),
    ("京东物流", "配送站"),
]
FOOD_DELIVERY = [
    "美团外卖乌海{short}站",
    "饿了么乌海{short}配送站",
    "美团外卖乌海{short}二站",
    "饿了么乌海{short}蜂鸟站",
]
RIDE_HAILING = [
    "滴滴出行乌海司机服务站",
    "乌海市畅行网约车服务有限公司",
    "乌海市安途出行科技有限公司",
    "乌海市顺程网络预约出租汽车有限公司",
    "乌海市速达汽车租赁有限公司",
    "花小猪打车乌海服务点",
    "曹操出行乌海运营中心",
]
BUSINESS_DISTRICTS = [
    ("乌海万达商圈", "150302"),
    ("凯德商业街", "150302"),
    ("海勃湾区滨河商圈", "150302"),
    ("海勃湾区人民路商圈", "150302"),
    ("乌海市金融大厦楼宇", "150302"),
    ("海勃湾区总部经济大厦", "150302"),
    ("乌海市电子商务产业大厦", "150302"),
    ("乌达区巴音赛商业步行街", "150304"),
    ("乌达区新达商圈", "150304"),
    ("乌达区万佳商城", "150304"),
    ("海南区拉僧庙商贸圈", "150303"),
    ("海南区公乌素商业街", "150303"),
]
PARKS = [
    ("乌达区精细化工产业园", "150304"),
    ("海勃湾区电子商务产业园", "150302"),
    ("海南区新材料产业园", "150303"),
    ("乌海市文化创意产业园", "150302"),
    ("乌达区物流产业园", "150304"),
]

# Near-duplicate spellings of demo names, as another register would write them (traditional characters,
# 有限公司 for 有限责任公司): they give the duplicates page something to show.
TRADITIONAL_TWINS = {
    "乌海市餐饮行业协会": "烏海市餐飲行業協會",
    "中通快递乌海海勃湾分部": "中通快遞烏海海勃灣分部",
}

ROADS = [
    "滨河大街",
    "黄河东街",
    "新华大街",
    "人民北路",
    "千里山路",
    "团结路",
    "建设路",
    "和平街",
    "胜利街",
    "友谊路",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁"
GIVEN_NAMES = ["丽", "娜", "敏", "静", "芳", "秀英", "丽娟", "海燕", "晓梅", "雪梅", "玉兰", "红霞", "春燕", "慧",
               "婷", "雅琴", "桂芳", "淑华", "亚楠", "文静"]  # fmt: skip
MOBILE_PREFIXES = ["135", "138", "139", "150", "152", "158", "177", "186", "189", "199"]
ARCHIVE_REASONS = ["已注销", "已迁出乌海市", "经核实已停业"]


@dataclass(frozen=True)
class Kind:
    """A kind of target organisation and how its numbers look."""

    code: str
    field: str
    unit_type: str
    count: int
    categories: tuple[str, ...]
    uscc_prefix: str  # "" when such units usually have no code of their own
    employees: tuple[int, int]
    women_share: tuple[float, float]
    party: float  # chance of a party organisation
    union: float  # chance of a trade union
    industry: str = ""
    extra_categories: dict[str, float] = field(default_factory=dict)


KINDS = [
    Kind("top100", "economic", "private_enterprise", 40, ("top100",), "91", (200, 3000), (0.1, 0.5), 0.9, 0.95,
         extra_categories={"above_scale": 0.7}),
    Kind("above_scale", "economic", "private_enterprise", 22, ("above_scale",), "91", (80, 600), (0.1, 0.5),
         0.6, 0.7),
    Kind("enterprise", "economic", "private_enterprise", 18, (), "91", (10, 120), (0.1, 0.6), 0.3, 0.3),
    Kind("park", "economic", "business_district", 5, ("business_district",), "", (300, 4000), (0.2, 0.5), 0.9,
         0.8, "商务服务业"),
    Kind("association", "social", "association", 26, ("associations",), "51", (30, 500), (0.2, 0.6), 0.5, 0.2,
         "社会组织"),
    Kind("women_social", "social", "women_social", 14, ("women_social",), "51", (20, 300), (0.7, 1.0), 0.4,
         0.1, "社会组织"),
    Kind("social_service", "social", "social_service", 16, (), "52", (5, 80), (0.3, 0.8), 0.3, 0.1, "社会工作"),
    Kind("foundation", "social", "foundation", 4, (), "53", (5, 30), (0.3, 0.7), 0.5, 0.2, "社会组织"),
    Kind("express", "employment", "express", 24, ("express",), "91", (8, 60), (0.05, 0.35), 0.2, 0.3, "邮政业"),
    Kind("food_delivery", "employment", "food_delivery", 10, ("food_delivery",), "", (30, 300), (0.02, 0.12),
         0.3, 0.2, "零售业"),
    Kind("ride_hailing", "employment", "ride_hailing", 7, ("ride_hailing",), "91", (50, 500), (0.02, 0.08), 0.2,
         0.3, "道路运输业"),
    Kind("business_district", "employment", "business_district", 12, ("business_district",), "", (500, 5000),
         (0.4, 0.65), 0.7, 0.6, "商务服务业"),
]  # fmt: skip

# The two registers shipped under branches/demo/registers/ (imported by hand, not by the demo).
DEMO_REGISTERS = [
    ("民政局社会组织名录", "民政局_社会组织名录.csv"),
    ("社工部两新组织台账", "社工部_两新组织台账.xlsx"),
]
CATEGORY_NAMES = {
    "top100": "百强民营企业",
    "above_scale": "规上企业",
    "women_social": "女性社会组织",
    "associations": "行业协会商会",
    "express": "快递行业",
    "food_delivery": "外卖配送",
    "ride_hailing": "网约车",
    "business_district": "商圈楼宇园区",
}
