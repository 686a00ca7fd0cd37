# Parses a /metrics scrape with the Prometheus Python client's own text-format parser and prints
# every sample as a JSON line: {"name", "labels", "value"}, after the family's type line.
# Usage: python3 parse_metrics.py <scrape file>
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

with open(sys.argv[1], encoding="utf-8") as scrape:
    for family in text_string_to_metric_families(scrape.read()):
        print(json.dumps({"family": family.name, "type": family.type}))
        for sample in family.samples:
            print(json.dumps({"name": sample.name, "labels": sample.labels, "value": sample.value}))
