#!/usr/bin/env python3
"""Creates N customers through the real API (for search benchmarks).

usage: seed_customers.py BASE_URL TOKEN N
"""
import json, sys, threading, urllib.request

base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ["淑芬", "志明", "美玲", "建華", "雅婷", "俊傑", "秀英", "家豪", "麗華", "文雄"]
DISTRICTS = [("中壢區", 24.9536, 121.2252), ("桃園區", 24.9937, 121.3010), ("八德區", 24.9286, 121.2846), ("平鎮區", 24.9457, 121.2181)]
ROADS = ["中正路", "中山路", "民生路", "復興路", "延平路"]

def body(i):
    d, lat, lon = DISTRICTS[i % len(DISTRICTS)]
    return {
        "code": f"B{i:06d}",
        "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] + str(i),
        "kind": "household",
        "phones": [f"09{10 + i % 89:02d}{i:06d}"],
        "address": f"桃園市{d}{ROADS[i % len(ROADS)]}{1 + i % 500}號",
        "lat": lat + (i % 100 - 50) * 0.0002, "lon": lon + (i % 77 - 38) * 0.0002,
        "cylinders_20": 2,
    }

def worker(k, step):
    for i in range(k, n, step):
        req = urllib.request.Request(base + "/api/v1/customers", data=json.dumps(body(i)).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        urllib.request.urlopen(req).read()

threads = [threading.Thread(target=worker, args=(k, 6)) for k in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print(f"created {n} customers")
