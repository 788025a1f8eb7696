#!/usr/bin/env python3
"""Generates a province's enterprise registry as CSV on stdout: N firms with valid USCCs
(GB 32100-2015 check characters), GB/T 4754-2017 classes from the shipped list, plausible
Chinese names, founding dates, registered capital (万元), employees and a few tags.
Deterministic: the same N gives the same file. Towns are left empty (a province's registry has
no 镇街 of the county the platform's towns belong to)."""
import csv, os, random, sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

def uscc(body):
    s = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - s % 31) % 31]

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rnd = random.Random(20251127)
    here = os.path.dirname(os.path.abspath(__file__))
    classes = []
    with open(os.path.join(here, "..", "crates", "domain", "data", "gbt4754-2017.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["level"] == "class":
                classes.append((row["code"], row["name"]))
    cities = ["370102", "370203", "370281", "370302", "370402", "370502", "370602", "370702",
              "370802", "370902", "371002", "371102", "371302", "371402", "371502", "371602", "371702"]
    places = ["济南", "青岛", "胶州", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海",
              "日照", "临沂", "德州", "聊城", "滨州", "菏泽"]
    words = "鑫泰华盛宏达恒信瑞丰安源德隆新兴永康金海天元博远中和聚诚汇通立邦昌明嘉禾润泽凯旋"
    forms = ["有限公司", "有限责任公司", "股份有限公司", "科技有限公司", "集团有限公司"]
    tags = ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "专精特新",
            "高新技术企业", "专精特新;高新技术企业", "上市", "链主"]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["uscc", "name", "industry_code", "town", "founded_on", "registered_capital",
                  "employees", "tags"])
    for i in range(n):
        city = rnd.randrange(len(cities))
        body = "91" + cities[city] + "MA" + format(i, "07d")
        code, cname = classes[rnd.randrange(len(classes))]
        w = words[rnd.randrange(len(words))] + words[rnd.randrange(len(words))]
        trade = cname[:4]
        name = f"{places[city]}{w}{trade}{forms[rnd.randrange(len(forms))]}{i % 1000:03d}"
        y = rnd.randrange(1990, 2025)
        founded = f"{y}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
        capital = rnd.choice([10, 50, 100, 200, 500, 1000, 3000, 5000, 10000])
        out.writerow([uscc(body), name, code, "", founded, capital, rnd.randrange(1, 3000),
                      tags[rnd.randrange(len(tags))]])

if __name__ == "__main__":
    main()
