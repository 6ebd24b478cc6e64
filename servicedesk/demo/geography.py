"""Shenzhen (深圳市): its districts with their real sub-district streets (街道), main roads,
residential estates, urban villages and communities, used for demo addresses and the business
offices' districts.

The weights are the districts' shares of the resident population (2020 census, 万人), so that a
generated city puts most customers in 宝安 and 龙岗, as the real one does. The ``code`` prefixes
network positions (feeder / transformer, supply zone / pipe segment).
"""

from dataclasses import dataclass

CITY = "深圳市"


@dataclass(frozen=True)
class District:
    name: str
    name_en: str
    slug: str
    code: str
    population: int  # 万人, 2020 census (weights the generated customers)
    streets: tuple[str, ...]  # 街道 (sub-districts)
    roads: tuple[str, ...]
    estates: tuple[str, ...]  # 小区 / 花园
    villages: tuple[str, ...]  # 城中村 / 自然村
    communities: tuple[str, ...]  # 社区

    @property
    def short(self) -> str:
        """福田区 -> 福田, 大鹏新区 -> 大鹏 (office and hospital names use the short form)."""
        return self.name.removesuffix("新区").removesuffix("区")


DISTRICTS: tuple[District, ...] = (
    District(
        name="福田区", name_en="Futian", slug="futian", code="FT", population=155,
        streets=("园岭", "南园", "福田", "沙头", "梅林", "华富", "香蜜湖", "莲花", "华强北", "福保"),
        roads=("深南中路", "深南大道", "福华路", "福华一路", "福华三路", "福中路", "金田路", "益田路",
               "彩田路", "新洲路", "红荔路", "华强北路", "华富路", "莲花路", "北环大道", "滨河大道", "皇岗路",
               "上步中路", "福民路", "福强路", "香蜜湖路", "农林路", "景田路", "梅林路", "侨香路", "泰然九路",
               "八卦一路"),
        estates=("景田北小区", "莲花北村", "彩田村", "华富村", "梅林一村", "园岭新村", "百花园", "中海华庭",
                 "东海花园", "星河明居", "万科金色家园", "城中雅苑", "黄埔雅苑", "益田村", "天健世纪花园"),
        villages=("上沙村", "下沙村", "沙尾村", "皇岗村", "水围村", "石厦村", "新洲村", "福田村"),
        communities=("上沙社区", "下沙社区", "沙尾社区", "新洲社区", "福山社区", "皇岗社区", "岗厦社区",
                     "水围社区", "景田社区", "莲花北社区", "彩田社区", "田面社区", "上梅林社区",
                     "下梅林社区"),
    ),
    District(
        name="罗湖区", name_en="Luohu", slug="luohu", code="LH", population=114,
        streets=("桂园", "黄贝", "东门", "翠竹", "南湖", "笋岗", "东湖", "莲塘", "东晓", "清水河"),
        roads=("深南东路", "人民南路", "建设路", "东门中路", "东门北路", "解放路", "宝安南路", "宝安北路",
               "红岭中路", "红岭北路", "爱国路", "东湖路", "布心路", "太宁路", "翠竹路", "文锦中路",
               "文锦北路", "沿河北路", "春风路", "嘉宾路", "国威路", "罗沙路", "笋岗路", "泥岗西路", "黄贝路",
               "新秀路"),
        estates=("翠竹苑", "百仕达花园", "鹿丹村", "碧波花园", "翠拥华庭", "金湖山庄", "怡景花园",
                 "黄贝岭新村", "莲塘新村", "东晓花园", "桂园新村", "布心花园"),
        villages=("渔民村", "湖贝村", "黄贝岭村", "向西村", "泥岗村", "草埔村", "水贝村"),
        communities=("湖贝社区", "东门社区", "渔邨社区", "黄贝岭社区", "新秀社区", "老围社区", "仙湖社区",
                     "田心社区", "草埔西社区", "翠竹社区"),
    ),
    District(
        name="南山区", name_en="Nanshan", slug="nanshan", code="NS", population=180,
        streets=("南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽"),
        roads=("科技南路", "科技中一路", "科苑路", "深南大道", "南海大道", "后海大道", "沙河西路", "白石路",
               "滨海大道", "学府路", "登良路", "南光路", "南新路", "桃园路", "前海路", "工业八路", "望海路",
               "东滨路", "龙珠大道", "留仙大道", "西丽路", "高新南一道", "创业路", "侨香路", "沙河东路",
               "月亮湾大道"),
        estates=("海岸城", "华侨城", "蔚蓝海岸", "半岛城邦", "后海花园", "桃源村", "大冲新城花园",
                 "阳光棕榈园", "荔芳村", "红树西岸", "中海深圳湾畔", "海月花园", "龙联花园", "南油生活区",
                 "西丽花园"),
        villages=("南山村", "向南村", "大冲村", "白石洲", "西丽村", "大磡村", "南头古城", "湾厦村"),
        communities=("高新区社区", "科技园社区", "南头城社区", "前海社区", "湾厦社区", "四海社区", "海湾社区",
                     "白石洲东社区", "华侨城社区", "大磡社区", "西丽社区", "龙联社区", "桃源社区", "南山社区",
                     "向南社区"),
    ),
    District(
        name="宝安区", name_en="Bao'an", slug="baoan", code="BA", population=447,
        streets=("新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"),
        roads=("宝安大道", "新安六路", "创业一路", "创业二路", "前进一路", "前进二路", "建安一路", "宝民一路",
               "新湖路", "广深公路", "沙井路", "福永大道", "宝源路", "航城大道", "西乡大道", "洲石路",
               "新沙路", "松白路", "107国道"),
        estates=("碧海花园", "灵芝新村", "宝城花园", "西乡花园", "翠湖花园", "凤凰花园", "沙井中心花园",
                 "松岗花园", "石岩湖花园", "新安花园", "福永花园", "航城新村"),
        villages=("固戍村", "臣田村", "凤凰村", "新桥村", "上屋村", "塘尾村", "流塘村", "黄田村", "沙井村"),
        communities=("固戍社区", "臣田社区", "凤凰社区", "灵芝社区", "宝城社区", "黄田社区", "沙井社区",
                     "新桥社区", "松涛社区", "石龙社区", "燕川社区"),
    ),
    District(
        name="龙岗区", name_en="Longgang", slug="longgang", code="LG", population=397,
        streets=("平湖", "坂田", "布吉", "南湾", "横岗", "龙城", "龙岗", "坪地", "吉华", "宝龙", "园山"),
        roads=("龙岗大道", "深惠路", "布吉路", "吉华路", "坂雪岗大道", "五和大道", "雪岗路", "龙翔大道",
               "清林路", "黄阁路", "布澜路", "平湖大街", "宝荷路", "新布路"),
        estates=("星河丹堤", "中海怡翠山庄", "大运新城", "万科四季花城", "龙城花园", "信义假日名城",
                 "东方半岛", "碧湖花园", "布吉新村", "横岗花园"),
        villages=("坂田村", "岗头村", "南岭村", "沙湾村", "水径村", "爱联村", "平湖村", "坪地村"),
        communities=("坂田社区", "岗头社区", "水径社区", "南岭村社区", "沙湾社区", "爱联社区", "平湖社区",
                     "横岗社区", "坪地社区", "甘坑社区", "宝龙社区", "大康社区", "龙岗社区"),
    ),
    District(
        name="龙华区", name_en="Longhua", slug="longhua", code="LW", population=253,
        streets=("观湖", "民治", "龙华", "大浪", "福城", "观澜"),
        roads=("梅龙大道", "民治大道", "人民路", "东环一路", "东环二路", "和平路", "龙华大道", "布龙路",
               "观澜大道", "华旺路", "民康路", "工业东路", "华荣路", "环观南路"),
        estates=("水榭春天", "锦绣江南", "星河传奇", "世纪春城", "民治花园", "观澜花园", "龙华新村",
                 "大浪花园"),
        villages=("清湖村", "上塘村", "白石龙村", "樟坑径村", "大水坑村", "三联村"),
        communities=("白石龙社区", "上塘社区", "清湖社区", "三联社区", "樟坑径社区", "桂花社区",
                     "大水坑社区"),
    ),
    District(
        name="盐田区", name_en="Yantian", slug="yantian", code="YT", population=21,
        streets=("梅沙", "盐田", "沙头角", "海山"),
        roads=("深盐路", "沙盐路", "盐田路", "海山路", "东海道", "梧桐路", "北山道", "盐梅路"),
        estates=("海山花园", "梅沙湾花园", "东海丽景", "盐田港生活区", "沙头角花园"),
        villages=("盐田村", "大梅沙村", "小梅沙村", "沙头角村"),
        communities=("中英街社区", "东和社区", "盐田社区", "海涛社区", "大梅沙社区"),
    ),
    District(
        name="光明区", name_en="Guangming", slug="guangming", code="GM", population=110,
        streets=("光明", "公明", "新湖", "凤凰", "玉塘", "马田"),
        roads=("光明大道", "华夏路", "松白路", "观光路", "光侨路", "东长路", "牛山路", "公常路", "南环大道"),
        estates=("光明花园", "公明花园", "凤凰花苑", "玉律新村", "马山头新村", "新湖花园"),
        villages=("楼村", "玉律村", "塘家村", "合水口村", "上村", "下村", "马山头村"),
        communities=("上村社区", "下村社区", "光明社区", "塘家社区", "玉律社区", "合水口社区", "楼村社区"),
    ),
    District(
        name="坪山区", name_en="Pingshan", slug="pingshan", code="PS", population=55,
        streets=("坪山", "马峦", "碧岭", "石井", "坑梓", "龙田"),
        roads=("深汕路", "坪山大道", "金牛路", "东纵路", "比亚迪路", "丹梓大道", "龙兴南路", "锦龙大道"),
        estates=("坪山花园", "六和花园", "坑梓新村", "龙田花园", "碧岭新村"),
        villages=("沙湖村", "碧岭村", "汤坑村", "石井村", "金沙村", "老坑村"),
        communities=("六和社区", "沙湖社区", "碧岭社区", "石井社区", "金沙社区", "老坑社区"),
    ),
    District(
        name="大鹏新区", name_en="Dapeng", slug="dapeng", code="DP", population=16,
        streets=("葵涌", "大鹏", "南澳"),
        roads=("金业大道", "鹏飞路", "葵鹏路", "迎宾南路", "南澳大道", "环城西路"),
        estates=("葵涌花园", "大鹏花园", "南澳新村"),
        villages=("鹏城村", "南澳村", "土洋村", "溪涌村", "水头村", "东涌村", "西涌村"),
        communities=("鹏城社区", "王母社区", "南渔社区", "西涌社区", "土洋社区", "溪涌社区"),
    ),
)

DISTRICT_BY_NAME = {district.name: district for district in DISTRICTS}
