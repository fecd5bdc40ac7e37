"""Static tables for the demo data: names, places, phone ranges, companies, notes."""

from __future__ import annotations

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
