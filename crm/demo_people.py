"""Fast, deterministic sample customers and companies (Chinese and English) for demos and benches.

Weighted tables and pools (given names, Latin names, contact recipes, status/tag tails,
birthdays) are built once per process from a fixed generator; per record, one seeded
``random.Random`` only picks among them, so a million customers take seconds. Phones never
repeat: each phone plan (mainland mobiles, HK, SG, UK, six US cities) is walked with a stride
coprime to its size, visiting every number at most once. QQ mail numbers are walked the same
way; name-based e-mails get a number appended, counting up per address, when needed.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["DemoCompany", "DemoCustomer", "generate_companies", "generate_customers"]

T = TypeVar("T")

SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
STATUSES = ("lead", "prospect", "customer", "inactive")
SOURCES = ("referral", "website", "exhibition", "cold_call", "wechat", "advertising")


@dataclass(frozen=True, slots=True)
class DemoCompany:
    name: str
    industry: str
    size: str
    city: str
    website: str | None


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    name: str
    gender: str | None
    birthday: dt.date | None
    phone: str
    email: str | None
    wechat: str | None
    company_index: int | None
    city: str
    province: str
    status: str
    source: str
    tags: tuple[str, ...]
    occupation: str | None
    notes: str | None



# --------------------------------------------------------------------------------------------
# Static data
# --------------------------------------------------------------------------------------------

TABLE_BITS = 12
TABLE_SIZE = 1 << TABLE_BITS

# Top Chinese surnames with approximate frequency (per 10,000 people) and pinyin.
SURNAMES = (
    ("王", "wang", 710), ("李", "li", 700), ("张", "zhang", 680), ("刘", "liu", 540),
    ("陈", "chen", 450), ("杨", "yang", 310), ("黄", "huang", 220), ("赵", "zhao", 220),
    ("吴", "wu", 200), ("周", "zhou", 190), ("徐", "xu", 130), ("孙", "sun", 130),
    ("马", "ma", 120), ("朱", "zhu", 120), ("胡", "hu", 110), ("郭", "guo", 110),
    ("何", "he", 100), ("林", "lin", 97), ("高", "gao", 96), ("罗", "luo", 86),
    ("郑", "zheng", 78), ("梁", "liang", 73), ("谢", "xie", 68), ("宋", "song", 63),
    ("唐", "tang", 61), ("许", "xu", 57), ("韩", "han", 56), ("冯", "feng", 55),
    ("邓", "deng", 55), ("曹", "cao", 53), ("彭", "peng", 52), ("曾", "zeng", 51),
    ("肖", "xiao", 50), ("田", "tian", 49), ("董", "dong", 49), ("袁", "yuan", 46),
    ("潘", "pan", 46), ("于", "yu", 45), ("蒋", "jiang", 44), ("蔡", "cai", 44),
    ("余", "yu", 43), ("杜", "du", 42), ("叶", "ye", 42), ("程", "cheng", 41),
    ("苏", "su", 40), ("魏", "wei", 40), ("吕", "lv", 38), ("丁", "ding", 37),
    ("任", "ren", 36), ("沈", "shen", 35), ("姚", "yao", 34), ("卢", "lu", 34),
    ("姜", "jiang", 33), ("崔", "cui", 32), ("钟", "zhong", 32), ("谭", "tan", 31),
    ("陆", "lu", 30), ("汪", "wang", 30), ("范", "fan", 29), ("金", "jin", 28),
    ("石", "shi", 28), ("廖", "liao", 27), ("贾", "jia", 27), ("夏", "xia", 26),
    ("韦", "wei", 26), ("付", "fu", 25), ("方", "fang", 25), ("白", "bai", 24),
    ("邹", "zou", 24), ("孟", "meng", 23), ("熊", "xiong", 23), ("秦", "qin", 23),
    ("邱", "qiu", 22), ("江", "jiang", 22), ("尹", "yin", 21), ("薛", "xue", 21),
    ("闫", "yan", 20), ("段", "duan", 20), ("雷", "lei", 20), ("侯", "hou", 19),
    ("龙", "long", 19), ("史", "shi", 18), ("陶", "tao", 18), ("黎", "li", 17),
    ("贺", "he", 17), ("顾", "gu", 16), ("毛", "mao", 16), ("郝", "hao", 16),
    ("龚", "gong", 15), ("邵", "shao", 15), ("万", "wan", 14), ("钱", "qian", 14),
    ("严", "yan", 13), ("覃", "qin", 13), ("武", "wu", 13), ("戴", "dai", 13),
    ("莫", "mo", 12), ("孔", "kong", 12), ("向", "xiang", 12), ("汤", "tang", 11),
    ("常", "chang", 11), ("欧", "ou", 10),
)

# Given-name characters: "char pinyin" pairs; the first twenty of each pool are the most common.
_MALE_CHARS = """
伟 wei 强 qiang 磊 lei 军 jun 勇 yong 杰 jie 涛 tao 斌 bin 超 chao 明 ming 刚 gang 平 ping
辉 hui 鹏 peng 华 hua 飞 fei 鑫 xin 波 bo 浩 hao 凯 kai 健 jian 俊 jun 帆 fan 帅 shuai 旭 xu
龙 long 洋 yang 峰 feng 亮 liang 成 cheng 东 dong 建 jian 国 guo 志 zhi 毅 yi 彬 bin 博 bo
昊 hao 轩 xuan 泽 ze 睿 rui 哲 zhe 航 hang 宏 hong 振 zhen 德 de 荣 rong 兵 bing 瑞 rui
坤 kun 锋 feng 永 yong 庆 qing 祥 xiang 福 fu 生 sheng 贵 gui 川 chuan 山 shan 松 song
岩 yan 彪 biao 虎 hu 豪 hao 晖 hui 炜 wei 骏 jun 驰 chi 腾 teng 达 da 恒 heng 鸣 ming
栋 dong 铭 ming 钧 jun 逸 yi 诚 cheng 义 yi 仁 ren 忠 zhong 武 wu 威 wei 雄 xiong 翔 xiang
江 jiang 源 yuan 瀚 han 韬 tao 弘 hong 勋 xun 彦 yan 煜 yu 烨 ye 卫 wei 光 guang 力 li
良 liang 岳 yue 峻 jun 崇 chong 嵩 song 坚 jian 晟 sheng 聪 cong 皓 hao 铮 zheng 钢 gang
胜 sheng 剑 jian 耀 yao 宸 chen 国 guo 海 hai 林 lin 宇 yu 晨 chen
"""
_FEMALE_CHARS = """
芳 fang 娜 na 敏 min 静 jing 丽 li 艳 yan 娟 juan 霞 xia 秀 xiu 燕 yan 玲 ling 桂 gui 丹 dan
萍 ping 红 hong 婷 ting 雪 xue 琳 lin 晶 jing 颖 ying 慧 hui 莉 li 倩 qian 佳 jia 欣 xin
怡 yi 悦 yue 梦 meng 媛 yuan 薇 wei 璐 lu 瑶 yao 琪 qi 蕾 lei 洁 jie 莹 ying 菲 fei 露 lu
岚 lan 兰 lan 梅 mei 英 ying 凤 feng 翠 cui 珍 zhen 珊 shan 玉 yu 蓉 rong 月 yue 云 yun
雯 wen 妍 yan 婧 jing 嫣 yan 娇 jiao 妮 ni 姗 shan 婉 wan 淑 shu 惠 hui 琴 qin 瑜 yu
璇 xuan 馨 xin 蕊 rui 萌 meng 茹 ru 芸 yun 芬 fen 芝 zhi 荷 he 莲 lian 菊 ju 蓓 bei 娅 ya
彤 tong 诗 shi 瑾 jin 玥 yue 琼 qiong 瑛 ying 珂 ke 歆 xin 晴 qing 曦 xi 雅 ya 清 qing
澜 lan 沁 qin 溪 xi 冰 bing 霜 shuang 青 qing 黛 dai 紫 zi 彩 cai 美 mei 爱 ai 希 xi
依 yi 伊 yi 若 ruo 可 ke 心 xin 柔 rou 婕 jie 妙 miao 巧 qiao 艺 yi 钰 yu 萱 xuan 菁 jing
蔚 wei
"""
_NEUTRAL_CHARS = """
文 wen 晓 xiao 子 zi 嘉 jia 思 si 雨 yu 春 chun 新 xin 一 yi 天 tian 家 jia 安 an 书 shu
梓 zi 语 yu 沐 mu 舒 shu 宁 ning 秋 qiu 冬 dong 涵 han 楠 nan 琛 chen 熙 xi 君 jun 少 shao
世 shi 星 xing 阳 yang 恩 en 禾 he 远 yuan 越 yue 卓 zhuo 之 zhi 以 yi 亦 yi 奕 yi 昱 yu
朗 lang 颂 song 知 zhi 墨 mo 言 yan 允 yun 诺 nuo 悠 you 泓 hong 承 cheng 晋 jin 宜 yi
益 yi 培 pei 正 zheng 和 he 中 zhong 凡 fan 元 yuan 方 fang 小 xiao 永 yong 金 jin 慕 mu
"""

WESTERN_MALE = (
    "James", "John", "Robert", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew", "Paul", "Kevin", "Brian",
    "Jason", "Eric", "Ryan", "Jacob", "Nicholas", "Jonathan", "Justin", "Alexander",
    "Benjamin", "Samuel", "Peter", "Henry", "Oliver", "Jack", "Harry", "George", "Charlie",
    "Lucas", "Leo", "Ethan", "Noah", "Adam", "Vincent", "Raymond", "Alan", "Tony", "Jerry",
    "Ken", "Dennis", "Edward", "Frank", "Patrick", "Carlos", "José", "Luis", "Miguel",
    "Arjun", "Rahul", "Jimmy", "Terry", "Calvin", "Felix",
)
WESTERN_FEMALE = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Sandra", "Emily", "Emma", "Olivia", "Sophia",
    "Isabella", "Mia", "Charlotte", "Amelia", "Grace", "Chloe", "Lily", "Hannah", "Anna",
    "Rachel", "Rebecca", "Laura", "Amy", "Michelle", "Angela", "Helen", "Vivian", "Cindy",
    "Jenny", "Joyce", "Irene", "Crystal", "Fiona", "Winnie", "Eva", "Maria", "Sofía", "Lucía",
    "Camila", "Valentina", "Priya", "Aisha", "Zoë", "Catherine", "Natalie", "Tiffany", "Kelly",
)
WESTERN_SURNAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan",
    "Cooper", "Peterson", "Reed", "Bailey", "Kelly", "Howard", "Ward", "Cox", "Richardson",
    "Wood", "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price", "Patel", "Singh",
    "Kumar", "Müller", "Schmidt", "Rossi", "Dubois", "O'Brien", "Nguyen", "Kim", "Park",
    "Tanaka", "Sato", "Fernández", "Silva", "Kowalski",
)
CANTONESE_SURNAMES = ("Wong", "Chan", "Cheung", "Lau", "Leung", "Ho", "Lam", "Chow", "Tsang",
                      "Yip", "Ng", "Kwok", "Lo", "Tang", "Mak", "Chu", "Fung", "Yeung")
HOKKIEN_SURNAMES = ("Tan", "Lim", "Lee", "Ng", "Goh", "Teo", "Koh", "Ong", "Chua", "Low", "Yeo",
                    "Sim", "Tay", "Toh", "Wee", "Chong")
MANDARIN_SURNAMES = ("Chen", "Wang", "Zhang", "Liu", "Li", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                     "Lin", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Luo")

# Province (Chinese) -> English name and the region tag used by sales teams.
PROVINCES = {
    "北京": ("Beijing", "华北"), "上海": ("Shanghai", "华东"), "天津": ("Tianjin", "华北"),
    "重庆": ("Chongqing", "西南"), "广东": ("Guangdong", "华南"), "浙江": ("Zhejiang", "华东"),
    "江苏": ("Jiangsu", "华东"), "四川": ("Sichuan", "西南"), "湖北": ("Hubei", "华中"),
    "陕西": ("Shaanxi", "西北"), "湖南": ("Hunan", "华中"), "河南": ("Henan", "华中"),
    "山东": ("Shandong", "华东"), "福建": ("Fujian", "华东"), "安徽": ("Anhui", "华东"),
    "辽宁": ("Liaoning", "东北"), "云南": ("Yunnan", "西南"), "黑龙江": ("Heilongjiang", "东北"),
    "吉林": ("Jilin", "东北"), "河北": ("Hebei", "华北"), "江西": ("Jiangxi", "华东"),
    "广西": ("Guangxi", "华南"), "贵州": ("Guizhou", "西南"), "山西": ("Shanxi", "华北"),
    "海南": ("Hainan", "华南"), "甘肃": ("Gansu", "西北"), "新疆": ("Xinjiang", "西北"),
    "内蒙古": ("Inner Mongolia", "华北"),
}
# Mainland cities: Chinese name, English name, province, relative weight.
CN_CITIES = (
    ("上海", "Shanghai", "上海", 10), ("北京", "Beijing", "北京", 10),
    ("深圳", "Shenzhen", "广东", 9), ("广州", "Guangzhou", "广东", 9),
    ("杭州", "Hangzhou", "浙江", 6), ("成都", "Chengdu", "四川", 6),
    ("南京", "Nanjing", "江苏", 5), ("武汉", "Wuhan", "湖北", 5), ("苏州", "Suzhou", "江苏", 5),
    ("重庆", "Chongqing", "重庆", 5), ("西安", "Xi'an", "陕西", 4), ("天津", "Tianjin", "天津", 4),
    ("长沙", "Changsha", "湖南", 4), ("郑州", "Zhengzhou", "河南", 4),
    ("东莞", "Dongguan", "广东", 4), ("佛山", "Foshan", "广东", 3), ("青岛", "Qingdao", "山东", 3),
    ("宁波", "Ningbo", "浙江", 3), ("厦门", "Xiamen", "福建", 3), ("合肥", "Hefei", "安徽", 3),
    ("福州", "Fuzhou", "福建", 2), ("济南", "Jinan", "山东", 2), ("沈阳", "Shenyang", "辽宁", 2),
    ("大连", "Dalian", "辽宁", 2), ("昆明", "Kunming", "云南", 2), ("无锡", "Wuxi", "江苏", 2),
    ("哈尔滨", "Harbin", "黑龙江", 2), ("石家庄", "Shijiazhuang", "河北", 2),
    ("南昌", "Nanchang", "江西", 2), ("南宁", "Nanning", "广西", 2),
    ("温州", "Wenzhou", "浙江", 2), ("泉州", "Quanzhou", "福建", 2),
    ("长春", "Changchun", "吉林", 1), ("贵阳", "Guiyang", "贵州", 1),
    ("太原", "Taiyuan", "山西", 1), ("海口", "Haikou", "海南", 1),
    ("兰州", "Lanzhou", "甘肃", 1), ("乌鲁木齐", "Urumqi", "新疆", 1),
    ("呼和浩特", "Hohhot", "内蒙古", 1), ("珠海", "Zhuhai", "广东", 1),
)
# Places abroad: Chinese name, English name, phone plan.
ABROAD = (
    ("香港", "Hong Kong", "HK"), ("新加坡", "Singapore", "SG"), ("伦敦", "London", "UK"),
    ("纽约", "New York", "US-NYC"), ("旧金山", "San Francisco", "US-SF"),
    ("洛杉矶", "Los Angeles", "US-LA"), ("西雅图", "Seattle", "US-SEA"),
    ("波士顿", "Boston", "US-BOS"), ("芝加哥", "Chicago", "US-CHI"),
)

# Phone plans: country code, national leading digits of each block, digits after the block.
_CN_MOBILE = [*range(130, 140), 150, 151, 152, 153, *range(155, 160), 166,
              *range(170, 174), *range(175, 179), *range(180, 190), 191, 198, 199]
_HK_UNUSED = {515, 525, 535, 545, 555, 565, 567, 573, 575, 595, 600, 626, 666, 678, 686, 900,
              911, 929, 939, 959, 989}
_UK_UNUSED = {750, 752, 770, 778, 779, 782, 783, 791, 793}
_US_AREA_CODES = {"US-NYC": (212, 646, 917, 718, 347, 332), "US-SF": (415, 628),
                  "US-LA": (213, 310, 323, 424), "US-SEA": (206,), "US-BOS": (617,),
                  "US-CHI": (312, 773)}
_US_EXCHANGES = [e for e in range(200, 1000)
                 if e % 100 != 11 and e not in (555, 950, 958, 959, 976)]  # no N11, no 555
PHONE_PLANS: dict[str, tuple[int, list[int], int]] = {
    "CN": (86, _CN_MOBILE, 8),
    "HK": (852, [h for h in range(510, 990) if h // 100 in (5, 6, 9) and not 580 <= h < 590
                 and h not in _HK_UNUSED], 5),
    "SG": (65, list(range(801, 990)), 5),
    "UK": (44, [h for h in range(710, 800) if not 760 <= h < 770 and h not in _UK_UNUSED], 7),
    **{plan: (1, [code * 1000 + e for code in codes for e in _US_EXCHANGES], 4)
       for plan, codes in _US_AREA_CODES.items()},
}

INDUSTRIES_ZH = ("制造业", "批发零售", "信息技术", "电子商务", "物流运输", "建筑建材", "食品饮料",
                 "医疗健康", "教育培训", "广告传媒", "餐饮酒店", "化工", "纺织服装", "商务咨询",
                 "金融服务")
INDUSTRIES_EN = ("Manufacturing", "Retail", "Information Technology", "E-commerce", "Logistics",
                 "Construction", "Food & Beverage", "Healthcare", "Education",
                 "Media & Advertising", "Hospitality", "Chemicals", "Apparel", "Consulting",
                 "Financial Services")
# Business-scope words in Chinese company names: word, pinyin for the domain, industry index.
_ZH_TRADES = (
    ("贸易", "trade", 1), ("商贸", "shangmao", 1), ("百货", "baihuo", 1), ("科技", "tech", 2),
    ("技术", "tech", 2), ("网络科技", "net", 2), ("软件", "soft", 2), ("信息技术", "it", 2),
    ("电子", "dianzi", 0), ("机械", "jixie", 0), ("五金制品", "wujin", 0), ("包装", "pack", 0),
    ("精密制造", "precision", 0), ("电子商务", "ec", 3), ("物流", "wuliu", 4),
    ("供应链管理", "scm", 4), ("建材", "jiancai", 5), ("建筑工程", "jianzhu", 5),
    ("食品", "food", 6), ("茶业", "tea", 6), ("医疗器械", "medical", 7), ("生物科技", "bio", 7),
    ("教育科技", "edu", 8), ("文化传媒", "media", 9), ("广告", "ad", 9), ("餐饮管理", "canyin", 10),
    ("酒店管理", "hotel", 10), ("化工", "chem", 11), ("新材料", "material", 11),
    ("服饰", "fashion", 12), ("纺织", "textile", 12), ("企业管理咨询", "consulting", 13),
    ("投资管理", "capital", 14), ("融资租赁", "leasing", 14),
)
_ZH_BRAND_CHARS = """
华 hua 信 xin 达 da 恒 heng 鑫 xin 源 yuan 宏 hong 图 tu 盛 sheng 泰 tai 隆 long 兴 xing
瑞 rui 丰 feng 嘉 jia 和 he 永 yong 安 an 富 fu 德 de 新 xin 天 tian 金 jin 海 hai 博 bo
远 yuan 创 chuang 联 lian 志 zhi 诚 cheng 佳 jia 美 mei 汇 hui 通 tong 中 zhong 科 ke
晨 chen 星 xing 光 guang 明 ming 辉 hui 宇 yu 建 jian 昌 chang 荣 rong 祥 xiang 鸿 hong
腾 teng 飞 fei 龙 long 凯 kai 立 li 益 yi 顺 shun 众 zhong 邦 bang 弘 hong 迅 xun 铭 ming
晟 sheng 峰 feng 捷 jie
"""
_EN_TRADES = (
    ("Trading", 1), ("Imports", 1), ("Supplies", 1), ("Electronics", 0), ("Manufacturing", 0),
    ("Industries", 0), ("Technologies", 2), ("Software", 2), ("Systems", 2), ("Digital", 3),
    ("Online", 3), ("Logistics", 4), ("Freight", 4), ("Shipping", 4), ("Builders", 5),
    ("Construction", 5), ("Foods", 6), ("Beverages", 6), ("Medical", 7), ("Health", 7),
    ("Learning", 8), ("Education", 8), ("Media", 9), ("Marketing", 9), ("Hospitality", 10),
    ("Catering", 10), ("Chemicals", 11), ("Materials", 11), ("Apparel", 12), ("Textiles", 12),
    ("Consulting", 13), ("Advisory", 13), ("Capital", 14), ("Finance", 14),
)
_EN_BRAND_FIRST = ("Blue", "Golden", "Silver", "North", "Pacific", "Red", "Green", "Royal", "Grand",
                   "Bright", "Global", "United", "First", "Prime", "Eastern", "Western", "Swift",
                   "Great", "New", "Star", "Sun", "Iron", "Jade", "Crystal", "Summit", "Ocean",
                   "Pearl", "Silk", "Harbour", "Lion")
_EN_BRAND_SECOND = ("Star", "Wave", "Harbor", "Peak", "Bridge", "Dragon", "Lotus", "Oak", "River",
                    "Stone", "Crown", "Eagle", "Field", "Gate", "Light", "Point", "Ridge", "Rock",
                    "Sky", "Tree", "Way", "Line", "Path", "Port", "Link", "Bay", "Wing", "Tide",
                    "Spring", "Leaf")
_EN_BRAND_SINGLE = ("Acme", "Apex", "Atlas", "Vertex", "Zenith", "Meridian", "Keystone", "Pinnacle",
                    "Horizon", "Evergreen", "Falcon", "Phoenix", "Titan", "Nova", "Orion", "Unity",
                    "Sterling", "Redwood", "Maple", "Cedar", "Granite", "Kingsway", "Beacon",
                    "Harvest", "Everbright", "Sunrise", "Lighthouse", "Northstar", "Trident",
                    "Orchid")
# Legal suffix and web domain by phone plan of the company's city.
_EN_SUFFIXES = {"HK": (("Limited", "Co., Limited", "Ltd"), ".com.hk"),
                "SG": (("Pte Ltd", "Pte. Ltd."), ".com.sg"),
                "UK": (("Ltd", "Limited", "Ltd"), ".co.uk"),
                "CN": (("Co., Ltd.", "Co., Ltd."), ".com"),
                "US": (("LLC", "Inc.", "Corp."), ".com")}

OCCUPATIONS_ZH = ("销售经理", "采购经理", "总经理", "财务总监", "工程师", "市场专员", "行政主管",
                  "人事经理", "产品经理", "运营总监", "店长", "老板", "技术总监", "设计师", "会计",
                  "律师", "医生", "教师", "个体户", "项目经理", "采购专员", "副总经理")
OCCUPATIONS_EN = ("Sales Manager", "Purchasing Manager", "CEO", "CFO", "Engineer",
                  "Marketing Specialist", "Operations Director", "Product Manager", "Founder",
                  "Consultant", "Accountant", "Designer", "Buyer", "Office Manager", "Lawyer",
                  "Managing Director", "Procurement Lead", "Store Owner")
NOTES_ZH = ("对价格敏感，下次带样品", "老客户介绍，注重售后", "需要开增值税专用发票",
            "喜欢微信沟通，上午不方便接电话", "年底有采购计划", "关注交货期，要求两周内到货",
            "已寄样品，等待反馈", "要求月结30天", "展会上认识，对新品感兴趣",
            "决策人是老板，需要约见",
            "上次报价偏高，考虑给九五折", "有意做区域代理", "投诉过一次物流延误，已处理",
            "预算有限，先小批量试单", "每季度固定补货")
NOTES_EN = ("Prefers email", "Price sensitive, bring samples next time", "Met at the Canton Fair",
            "Decision maker is the CFO", "Call after 3pm", "Interested in bulk discount",
            "Needs quote in USD", "Follow up next quarter", "Referred by an existing customer",
            "Prefers WhatsApp", "Asked for a product demo", "Budget approved for Q3",
            "Wants 60-day payment terms", "Send catalogue before the trade show")
TAGS_ZH = ("VIP", "重点客户", "经销商", "潜在", "老客户", "newsletter", "代理商", "大客户",
           "待回访")
TAGS_EN = ("VIP", "key account", "distributor", "newsletter", "hot lead", "returning",
           "trade show", "wholesale", "partner")

FREE_MAIL_ZH = (("qq", 30), ("163.com", 25), ("126.com", 10), ("qq.com", 5), ("gmail.com", 5),
                ("outlook.com", 3), ("sina.com", 2), ("", 20))
FREE_MAIL_EN = (("gmail.com", 40), ("outlook.com", 20), ("yahoo.com", 5), ("163.com", 3),
                ("qq", 2), ("", 30))
FALLBACK_MAIL = ("163.com", "gmail.com", "qq.com", "outlook.com", "126.com", "gmail.com")

# --------------------------------------------------------------------------------------------
# Table building (import time, a few milliseconds)
# --------------------------------------------------------------------------------------------


def _table(weighted: Sequence[tuple[T, float]]) -> list[T]:
    """Expand weighted items into a TABLE_SIZE list, so a pick is one getrandbits look-up."""
    total = sum(w for _, w in weighted)
    exact = [w * TABLE_SIZE / total for _, w in weighted]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: TABLE_SIZE - sum(counts)]:
        counts[i] += 1
    return [item for (item, _), n in zip(weighted, counts, strict=True) for _ in range(n)]


def _pick(pool: Sequence[T], rand: Callable[[], float]) -> T:
    """A uniform pick from a pool."""
    return pool[int(rand() * len(pool))]


def _pairs(text: str) -> list[tuple[str, str]]:
    """Parse "char pinyin" pairs, keeping the first occurrence of each character."""
    words = text.split()
    seen: dict[str, str] = {}
    for char, pinyin in zip(words[::2], words[1::2], strict=True):
        seen.setdefault(char, pinyin)
    return list(seen.items())


def _ascii(name: str) -> str:
    """Lower-case ASCII form of a Latin name for e-mail and WeChat ids ("O'Brien" -> "obrien")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalpha())


def _romanized(pinyin: str) -> str:
    """Pinyin as written in a Latin-script name: capitalised, ü spelt "yu" as on passports."""
    return pinyin.replace("v", "yu").capitalize()


def _given_table(own: str, common_weight: int = 3) -> list[tuple[str, str]]:
    """Given-name characters for one gender plus the neutral ones; common ones weigh more."""
    chars = _pairs(own)
    own_chars = {c for c, _ in chars}
    neutral = [p for p in _pairs(_NEUTRAL_CHARS) if p[0] not in own_chars]
    weighted = [(p, common_weight if i < 20 else 1) for i, p in enumerate(chars)]
    return _table(weighted + [(p, 1) for p in neutral])


def _latin_people() -> tuple[list[tuple[str, str, str | None]], ...]:
    """First names (display, ascii, gender) and the surname groups as (display, ascii) pairs."""
    firsts = [(n, _ascii(n), "male") for n in WESTERN_MALE]
    firsts += [(n, _ascii(n), "female") for n in WESTERN_FEMALE]
    groups = (WESTERN_SURNAMES, CANTONESE_SURNAMES, HOKKIEN_SURNAMES, MANDARIN_SURNAMES)
    return (firsts, *([(n, _ascii(n), None) for n in group] for group in groups))


_SURNAME_TABLE = _table([((s, p), w) for s, p, w in SURNAMES])
_GIVEN = {"male": _given_table(_MALE_CHARS), "female": _given_table(_FEMALE_CHARS)}
_LATIN_FIRST, _WESTERN_LAST, _CANTONESE_LAST, _HOKKIEN_LAST, _MANDARIN_LAST = _latin_people()

# Locations: (Chinese city, Chinese province, English city, English province, plan, region tag).
Location = tuple[str, str, str, str, str, str]
LOCATIONS: list[Location] = [(zh, prov, en, PROVINCES[prov][0], "CN", PROVINCES[prov][1])
                             for zh, en, prov, _ in CN_CITIES]
LOCATIONS += [(zh, "", en, "", plan, "") for zh, en, plan in ABROAD]
_LOCATION_INDEX = {name: i for i, loc in enumerate(LOCATIONS) for name in (loc[0], loc[2])}


def _places(cn_share: float, abroad: dict[str, float]) -> list[int]:
    """A location table: mainland cities by weight for cn_share, then named places abroad."""
    total = sum(w for *_, w in CN_CITIES)
    weighted = [(i, cn_share * w / total) for i, (*_, w) in enumerate(CN_CITIES)]
    weighted += [(_LOCATION_INDEX[name], share) for name, share in abroad.items()]
    return _table(weighted)


_US_SPREAD = {"New York": 0.4, "San Francisco": 0.2, "Los Angeles": 0.2, "Seattle": 0.07,
              "Boston": 0.07, "Chicago": 0.06}


def _us(share: float) -> dict[str, float]:
    """Split a share of people across the American cities."""
    return {city: share * part for city, part in _US_SPREAD.items()}


PLACES_ZH = _places(0.94, {"香港": 0.03, "新加坡": 0.015, "伦敦": 0.005, **_us(0.01)})
PLACES_WESTERN = _places(0.10, {"Hong Kong": 0.10, "Singapore": 0.15, "London": 0.20, **_us(0.45)})
PLACES_CANTONESE = _places(0.10, {"Hong Kong": 0.70, "London": 0.05, **_us(0.15)})
PLACES_HOKKIEN = _places(0.10, {"Singapore": 0.75, "Hong Kong": 0.05, **_us(0.10)})
PLACES_MANDARIN = _places(0.50, {"Singapore": 0.10, "Hong Kong": 0.05, "London": 0.05, **_us(0.30)})
PLACES_PINYIN = _places(0.80, {"Singapore": 0.05, "London": 0.05, **_us(0.10)})
PLACES_ZH_COMPANY = _places(0.94, {"香港": 0.05, "新加坡": 0.01})
PLACES_EN_COMPANY = _places(0.20, {"Hong Kong": 0.25, "Singapore": 0.20, "London": 0.10,
                                   **_us(0.25)})

_STATUS_TABLE = _table([("lead", 30), ("prospect", 20), ("customer", 45), ("inactive", 5)])
_SOURCE_ZH = _table([("referral", 25), ("wechat", 25), ("website", 15), ("exhibition", 15),
                     ("cold_call", 10), ("advertising", 10)])
_SOURCE_EN = _table([("referral", 25), ("website", 30), ("exhibition", 20), ("cold_call", 10),
                     ("advertising", 10), ("wechat", 5)])
_SIZE_TABLE = _table(list(zip(SIZES, (35, 30, 20, 10, 5), strict=True)))
_TAG_COUNT = _table([(0, 40), (1, 35), (2, 17), (3, 8)])
_MAIL_ZH = _table(FREE_MAIL_ZH)
_MAIL_EN = _table(FREE_MAIL_EN)
# E-mail local-part styles: 0 zhangwei, 1 weizhang, 2 wei.zhang, 3 wzhang, 4 wei_zhang, 5 zhangw.
_STYLE_ZH = _table([(0, 45), (1, 10), (2, 10), (3, 10), (4, 10), (5, 15)])
_STYLE_EN = _table([(2, 40), (1, 20), (3, 20), (4, 10), (0, 5), (5, 5)])


def _tag_sets(pool: Sequence[str]) -> list[list[tuple[str, ...]]]:
    """Every combination of 0..3 tags from the pool, grouped by size."""
    return [list(itertools.combinations(pool, k)) for k in range(4)]


_TAGS_ZH = _tag_sets(TAGS_ZH)
_TAGS_EN = _tag_sets(TAGS_EN)

# --------------------------------------------------------------------------------------------
# Unique number walks
# --------------------------------------------------------------------------------------------


def _walk(blocks: Sequence[int], unit: int, rnd: random.Random, prefix: str = "",
          suffix: str = "") -> Iterator[str]:
    """``prefix + str(block * unit + n) + suffix``, in a seeded order that never repeats.

    Position i is ``(start + i * step) % size`` with the step coprime to the size, so the
    first ``size`` numbers are all different and no set of issued numbers is kept.
    """
    size = len(blocks) * unit
    step = int(size * (0.55 + 0.1 * rnd.random()))
    while math.gcd(step, size) != 1:
        step += 1
    pos = rnd.randrange(size)
    bases = [b * unit for b in blocks]
    while True:
        pos += step
        if pos >= size:
            pos -= size
        yield f"{prefix}{bases[pos // unit] + pos % unit}{suffix}"


def _phone_walks(rnd: random.Random) -> dict[str, Iterator[str]]:
    """One walk per phone plan, yielding E.164 strings ("+86138…")."""
    return {plan: _walk([int(f"{country}{head}") for head in heads], 10**digits, rnd, prefix="+")
            for plan, (country, heads, digits) in PHONE_PLANS.items()}


MAX_CUSTOMERS = min(len(heads) * 10 ** digits for _, heads, digits in PHONE_PLANS.values())

# --------------------------------------------------------------------------------------------
# Companies
# --------------------------------------------------------------------------------------------

_BRAND_ZH = _pairs(_ZH_BRAND_CHARS)


def _zh_company(rand: Callable[[], float], bits: Callable[[int], int]) -> tuple[str, str, str, str]:
    """A Chinese company: name, industry, city and a domain stem (pinyin)."""
    loc = LOCATIONS[PLACES_ZH_COMPANY[bits(TABLE_BITS)]]
    first = int(rand() * len(_BRAND_ZH))
    (c1, p1), (c2, p2) = _BRAND_ZH[first], _BRAND_ZH[first - 1 - int(rand() * (len(_BRAND_ZH) - 1))]
    trade, slug, industry = _pick(_ZH_TRADES, rand)
    brand, city = c1 + c2, loc[0]
    form = rand()
    if loc[4] != "CN" or form < 0.5:
        name = f"{city}{brand}{trade}有限公司"
    elif form < 0.7:
        name = f"{brand}{trade}有限公司"
    elif form < 0.8:
        name = f"{brand}{trade}股份有限公司"
    elif form < 0.9:
        name = f"{brand}（{city}）{trade}有限公司"
    else:
        name = f"{city}{brand}{trade}有限责任公司"
    return name, INDUSTRIES_ZH[industry], city, f"{p1}{p2}{slug if rand() < 0.5 else ''}"


def _en_company(rand: Callable[[], float], bits: Callable[[int], int]) -> tuple[str, str, str, str]:
    """An English-named company: name, industry, city and a domain stem."""
    loc = LOCATIONS[PLACES_EN_COMPANY[bits(TABLE_BITS)]]
    form = rand()
    if form < 0.35:
        brand = _pick(_EN_BRAND_SINGLE, rand)
    elif form < 0.75:
        brand = f"{_pick(_EN_BRAND_FIRST, rand)} {_pick(_EN_BRAND_SECOND, rand)}"
    else:
        brand = _pick(_EN_BRAND_FIRST, rand) + _pick(_EN_BRAND_SECOND, rand).lower()
    trade, industry = _pick(_EN_TRADES, rand)
    suffixes, _ = _EN_SUFFIXES[loc[4][:2]]
    prefix = f"{loc[2]} " if loc[4] == "CN" else ""
    name = f"{prefix}{brand} {trade} {_pick(suffixes, rand)}"
    stem = brand.replace(" ", "").lower() + (trade.lower() if rand() < 0.4 else "")
    return name, INDUSTRIES_EN[industry], loc[2], stem


def _website(stem: str, city: str, size: str, taken: set[str], rand: Callable[[], float]
             ) -> str | None:
    """A unique https://www. address for most companies; the smallest often have none."""
    if rand() < (0.45 if size == "1-10" else 0.12):
        return None
    loc = LOCATIONS[_LOCATION_INDEX[city]]
    tld = _EN_SUFFIXES[loc[4][:2]][1]
    if loc[4] == "CN":
        tld = _pick((".com", ".cn", ".com.cn"), rand)
    domain = stem + tld
    if domain in taken:
        domain = f"{stem}-{_ascii(loc[2])}{tld}"
    n = 1
    while domain in taken:
        n += 1
        domain = f"{stem}{n}{tld}"
    taken.add(domain)
    return f"https://www.{domain}"


def _unique_name(name: str, city: str, zh: bool, taken: set[str]) -> str:
    """The name itself, or a branch of it ("…北京分公司", "… (London Branch)") when taken."""
    branch = f"{name}{city}分公司" if zh else f"{name} ({city} Branch)"
    candidate, n = (name if name not in taken else branch), 1
    while candidate in taken:
        n += 1
        candidate = f"{name}第{n}分公司" if zh else f"{name} (Branch {n})"
    return candidate


def generate_companies(count: int, seed: int = 42) -> list[DemoCompany]:
    """``count`` companies with unique names, about 70% Chinese; the same seed gives the same."""
    if count < 0:
        raise ValueError("count must not be negative")
    rnd = random.Random(f"companies:{seed}")
    rand, bits = rnd.random, rnd.getrandbits
    names: set[str] = set()
    domains: set[str] = set()
    companies = []
    for _ in range(count):
        make = _zh_company if rand() < 0.7 else _en_company
        for _attempt in range(8):
            name, industry, city, stem = make(rand, bits)
            if name not in names:
                break
        name = _unique_name(name, city, make is _zh_company, names)
        names.add(name)
        size = _SIZE_TABLE[bits(TABLE_BITS)]
        companies.append(DemoCompany(name, industry, size, city,
                                     _website(stem, city, size, domains, rand)))
    return companies


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------

# Per-record work is a few picks from pools built once per process (seed-independent) with a
# fixed generator; the seeded generator only chooses among them and drives the unique walks.
POOL_BITS = 14
BIRTHDAY_BITS = 16
RECIPE_BITS = 12

# E-mail local parts are ``pre + family + post``; a frame is that (pre, post) for one style:
# zhangwei, weizhang, wei.zhang, wzhang, wei_zhang, zhangw.
Frames = tuple[tuple[str, str], ...]


def _frames(given: str) -> Frames:
    """The six local-part frames around the family name for one given name."""
    return (("", given), (given, ""), (f"{given}.", ""), (given[0], ""), (f"{given}_", ""),
            ("", given[0]))


# A Chinese given name: characters, pinyin, the gender it suggests, e-mail frames.
ZhGiven = tuple[str, str, str, Frames]


def _zh_given(rand: Callable[[], float], bits: Callable[[int], int]) -> ZhGiven:
    """A Chinese given name, of two characters three times in four."""
    gender = "male" if rand() < 0.5 else "female"
    pool = _GIVEN[gender]
    chars, pinyin = pool[bits(TABLE_BITS)]
    if rand() < 0.75:
        c2, p2 = pool[bits(TABLE_BITS)]
        chars, pinyin = chars + c2, pinyin + p2
    return chars, pinyin, gender, _frames(pinyin)


# A Latin-script person: display name, gender, given and family name in ASCII, place table,
# e-mail frames.
LatinPerson = tuple[str, str, str, str, list[int], Frames]


def _latin_person(rand: Callable[[], float], bits: Callable[[int], int]) -> LatinPerson:
    """A western name, an English name with a Chinese surname, or pinyin ("Wang Fang")."""
    kind = rand()
    if kind < 0.15:
        _, given, gender, frames = _zh_given(rand, bits)
        family = _SURNAME_TABLE[bits(TABLE_BITS)][1]
        first, last = _romanized(given), _romanized(family)
        display = f"{last} {first}" if rand() < 0.6 else f"{first} {last}"
        return display, gender, given, family, PLACES_PINYIN, frames
    first, given, gender = _LATIN_FIRST[int(rand() * len(_LATIN_FIRST))]
    if kind < 0.60:
        surnames, places = _WESTERN_LAST, PLACES_WESTERN
    elif kind < 0.74:
        surnames, places = _CANTONESE_LAST, PLACES_CANTONESE
    elif kind < 0.84:
        surnames, places = _HOKKIEN_LAST, PLACES_HOKKIEN
    else:
        surnames, places = _MANDARIN_LAST, PLACES_MANDARIN
    last, family, _ = surnames[int(rand() * len(surnames))]
    return f"{first} {last}", gender, given, family, places, _frames(given)


# The fields that do not depend on the name: status, source, tags, occupation, notes.
Tail = tuple[str, str, tuple[str, ...], str | None, str | None]


def _tail(zh: bool, rand: Callable[[], float], bits: Callable[[int], int]) -> Tail:
    """Status, source, 0-3 tags, an occupation (60%) and a note (30%)."""
    tag_sets = (_TAGS_ZH if zh else _TAGS_EN)[_TAG_COUNT[bits(TABLE_BITS)]]
    return (_STATUS_TABLE[bits(TABLE_BITS)], (_SOURCE_ZH if zh else _SOURCE_EN)[bits(TABLE_BITS)],
            _pick(tag_sets, rand),
            _pick(OCCUPATIONS_ZH if zh else OCCUPATIONS_EN, rand) if rand() < 0.6 else None,
            _pick(NOTES_ZH if zh else NOTES_EN, rand) if rand() < 0.3 else None)


@dataclass(frozen=True, slots=True)
class _Recipe:
    """How one customer's contact details are put together (picked per record)."""

    gender_known: bool
    company: int  # 0 none, 1 a company in the same language, 2 any company
    company_place: bool  # lives where the company is
    mail_domain: str | None  # None: no e-mail; "qq": a QQ number; "": the company's domain
    mail_fallback: str  # for "" when there is no company website
    mail_style: int  # index into the frames
    mail_plain: bool  # try the address without a number first
    mail_number: int  # first number appended; 0: the birth year
    wechat: int  # 0 none, 1 wxid_, 2 the mainland mobile number, 3 handle + year, 4 handle
    wechat_number: int
    region_tag: bool  # add 华东/华南/... for the city


def _recipe(zh: bool, rand: Callable[[], float], bits: Callable[[int], int]) -> _Recipe:
    """One recipe: ~60% with e-mail, ~40% with WeChat, ~70% at a company."""
    has_mail = rand() < (0.55 if zh else 0.675)
    has_wechat = rand() < (0.55 if zh else 0.175)
    return _Recipe(
        gender_known=rand() < 0.9,
        company=0 if rand() >= 0.7 else (1 if rand() < 0.85 else 2),
        company_place=rand() < 0.6,
        mail_domain=(_MAIL_ZH if zh else _MAIL_EN)[bits(TABLE_BITS)] if has_mail else None,
        mail_fallback=_pick(FALLBACK_MAIL, rand),
        mail_style=(_STYLE_ZH if zh else _STYLE_EN)[bits(TABLE_BITS)],
        mail_plain=rand() < 0.6,
        mail_number=0 if rand() < 0.3 else 1 + bits(7),
        wechat=1 + int(rand() * 4) if has_wechat else 0,
        wechat_number=bits(10),
        region_tag=rand() < 0.15,
    )


def _birthdays() -> list[dt.date]:
    """Every day from 1950-01-01 to 2005-12-31."""
    first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2005, 12, 31).toordinal()
    return [dt.date.fromordinal(day) for day in range(first, last + 1)]


class _Pools:
    """Seed-independent pools of names, recipes, tails and birthdays (half None), built once."""

    def __init__(self) -> None:
        rnd = random.Random("crm.demo_people pools")
        rand, bits = rnd.random, rnd.getrandbits
        size = 1 << POOL_BITS
        self.zh_given = [_zh_given(rand, bits) for _ in range(size)]
        self.latin = [_latin_person(rand, bits) for _ in range(size)]
        self.tails = [[_tail(zh, rand, bits) for _ in range(size)] for zh in (False, True)]
        self.recipes = [[_recipe(zh, rand, bits) for _ in range(1 << RECIPE_BITS)]
                        for zh in (False, True)]
        days = _birthdays()
        half = len(days) / 2
        self.birthdays = [days[int((rand() + rand()) * half)] if rand() < 0.5 else None
                          for _ in range(1 << BIRTHDAY_BITS)]


@functools.cache
def _pools() -> _Pools:
    """The shared pools (a fraction of a second to build, on first use)."""
    return _Pools()


def _wechat(kind: int, given: str, family: str, phone: str, year: int, number: int,
            bits: Callable[[int], int]) -> str:
    """A WeChat id: wxid_…, the mainland mobile number, or a pinyin/English handle."""
    if kind == 1:
        return f"wxid_{bits(56):014x}"
    if kind == 2 and phone.startswith("+86"):
        return phone[3:]
    if kind == 3:
        return f"{family}{given}{year % 100 if year else number}"
    return f"{given}_{family}{number % 100}"


def _company_facts(companies: int, seed: int) -> tuple[list[list[int]], list[int],
                                                        list[str | None]]:
    """Indexes of English and Chinese companies, each company's location and mail domain."""
    listed = generate_companies(companies, seed)
    zh = [i for i, c in enumerate(listed) if c.name[0] >= "\u2e80"]
    en = [i for i, c in enumerate(listed) if c.name[0] < "\u2e80"]
    places = [_LOCATION_INDEX[c.city] for c in listed]
    domains = [c.website[len("https://www."):] if c.website else None for c in listed]
    return [en or zh, zh or en], places, domains


def generate_customers(count: int, companies: int, seed: int = 42) -> Iterator[DemoCustomer]:
    """Lazily yield ``count`` customers (unique phones and e-mails) linked to ``companies``.

    Company indexes refer to ``generate_companies(companies, seed)`` with the same seed.
    """
    if not 0 <= count <= MAX_CUSTOMERS:
        raise ValueError(f"count must be between 0 and {MAX_CUSTOMERS}")
    if companies < 0:
        raise ValueError("companies must not be negative")
    return _customers(count, companies, seed)


def _customers(count: int, companies: int, seed: int) -> Iterator[DemoCustomer]:
    """The generator behind generate_customers, one inlined loop: this is the hot path.

    E-mails: a QQ number from its walk, or ``local@domain`` the first time it is wanted plain,
    else ``local<n>@domain`` with n counting up per address; local parts contain no digits, so
    the three kinds never meet.
    """
    pools = _pools()
    rnd = random.Random(f"customers:{seed}")
    rand, bits = rnd.random, rnd.getrandbits
    walks = _phone_walks(rnd)
    next_phone = [walks[loc[4]].__next__ for loc in LOCATIONS]
    next_qq = _walk(range(1, 30), 10**8, rnd, suffix="@qq.com").__next__  # 9-10 digits
    numbers: dict[str, int] = {}  # address -> next number to append
    same_language, company_places, company_domains = _company_facts(companies, seed)
    surnames, zh_given, latin = _SURNAME_TABLE, pools.zh_given, pools.latin
    birthdays, recipes, tails = pools.birthdays, pools.recipes, pools.tails
    locations = LOCATIONS
    for _ in range(count):
        zh = rand() < 0.6
        if zh:
            surname, family = surnames[bits(TABLE_BITS)]
            chars, given, gender, frames = zh_given[bits(POOL_BITS)]
            name, places = surname + chars, PLACES_ZH
        else:
            name, gender, given, family, places, frames = latin[bits(POOL_BITS)]
        recipe = recipes[zh][bits(RECIPE_BITS)]
        birthday = birthdays[bits(BIRTHDAY_BITS)]
        company = None
        if recipe.company and companies:
            if recipe.company == 1:
                pool = same_language[zh]
                company = pool[int(rand() * len(pool))]
            else:
                company = int(rand() * companies)
        if company is not None and recipe.company_place:
            where = company_places[company]
        else:
            where = places[bits(TABLE_BITS)]
        loc = locations[where]
        phone = next_phone[where]()
        email = wechat = None
        domain = recipe.mail_domain
        if domain == "qq":
            email = next_qq()
        elif domain is not None:
            if not domain:
                domain = (company is not None and company_domains[company]) or recipe.mail_fallback
            pre, post = frames[recipe.mail_style]
            local = pre + family + post
            email = f"{local}@{domain}"
            number = numbers.get(email)
            if number is None and recipe.mail_plain:
                numbers[email] = 0
            else:
                if not number:
                    number = recipe.mail_number or (birthday.year if birthday else 88)
                numbers[email] = number + 1
                email = f"{local}{number}@{domain}"
        if recipe.wechat:
            wechat = _wechat(recipe.wechat, given, family, phone,
                             birthday.year if birthday else 0, recipe.wechat_number, bits)
        city, province = (loc[0], loc[1]) if zh else (loc[2], loc[3])
        status, source, tags, occupation, notes = tails[zh][bits(POOL_BITS)]
        if zh and recipe.region_tag and loc[5] and len(tags) < 3:
            tags += (loc[5],)
        yield DemoCustomer(
            name=name, gender=gender if recipe.gender_known else None, birthday=birthday,
            phone=phone, email=email, wechat=wechat, company_index=company, city=city,
            province=province, status=status, source=source, tags=tags, occupation=occupation,
            notes=notes)
