"""Seeds the fuzz corpus from the examples, the golden cases (one case per file), the rule
files and the expressions in them. Run from the repository root: python3 fuzz/seed_corpus.py;
then fuzz, and minimise with cargo fuzz cmin (see the README)."""
import datetime, glob, hashlib, json, os, tomllib

root = os.getcwd()
out = {t: os.path.join(root, "fuzz/corpus", t) for t in ["case_toml", "case_json", "rule_file", "expression"]}
for d in out.values():
    os.makedirs(d, exist_ok=True)

def put(target, text):
    data = text.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out[target], name), "wb") as f:
        f.write(data)

def toml_value(v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)): return repr(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, list): return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict): return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)

def case_toml(as_of, subject, facts):
    lines = []
    if as_of is not None: lines.append(f"as_of = {toml_value(as_of)}")
    lines.append(f"[{subject}]")
    tables = []
    for k, v in facts.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                tables.append(f"[[{subject}.{k}]]")
                tables += [f"{ik} = {toml_value(iv)}" for ik, iv in item.items()]
        else:
            lines.append(f"{k} = {toml_value(v)}")
    return "\n".join(lines + tables) + "\n"

def jsonable(v):
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, list): return [jsonable(x) for x in v]
    if isinstance(v, dict): return {k: jsonable(x) for k, x in v.items()}
    return v

def case_json(as_of, subject, facts):
    doc = {}
    if as_of is not None: doc["as_of"] = as_of
    doc[subject] = facts
    return json.dumps(jsonable(doc), ensure_ascii=False)

for path in sorted(glob.glob("examples/*.toml")):
    text = open(path, encoding="utf-8").read()
    put("case_toml", text)
    d = tomllib.loads(text)
    as_of = d.pop("as_of", None)
    for subject, facts in d.items():
        put("case_json", case_json(as_of, subject, facts))

for path in sorted(glob.glob("tests/cases/*.toml")):
    d = tomllib.loads(open(path, encoding="utf-8").read())
    for case in d.get("case", []):
        as_of = case.get("as_of")
        for k, v in case.items():
            if k in ("name", "as_of", "expect", "error", "subject") or not isinstance(v, dict):
                continue
            put("case_toml", case_toml(as_of, k, v))
            put("case_json", case_json(as_of, k, v))

keys = {"when", "eligible", "require", "amount", "expr", "figure", "at_least", "more_than", "deadline"}
def expressions(v, key=None):
    if isinstance(v, dict):
        for k, x in v.items(): yield from expressions(x, k)
    elif isinstance(v, list):
        for x in v: yield from expressions(x, key)
    elif isinstance(v, str) and key in keys:
        yield v

for path in sorted(glob.glob("rules/*.toml")):
    text = open(path, encoding="utf-8").read()
    if not path.endswith("subjects.toml"):
        put("rule_file", text)
    for e in expressions(tomllib.loads(text)):
        put("expression", e)
for e in ["5 CNY / (m2)", "0.5%", "as_of - 1 year", "end_of_year(as_of) + 30 days", "-(-x) * 2%", "not not x",
          "count(units, area <= 70 m2) >= 80% * count(units)", "if a then 1 CNY else 0 CNY", "(" * 70 + "a" + ")" * 70]:
    put("expression", e)
