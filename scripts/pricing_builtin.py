#!/usr/bin/env python3
"""Regenerates genai-o11y/src/pricing/builtin.json (the built-in pricing table) and the
genai-prices test fixture from pydantic/genai-prices' published data file.

    git clone https://github.com/pydantic/genai-prices && cd genai-prices
    python3 /path/to/scripts/pricing_builtin.py prices/new_data/v2/data.json \
        "$(git log -1 --format=%H)" "$(git log -1 --format=%cs)" /path/to/workspace

The data is pydantic/genai-prices' (MIT licence, Copyright (c) Pydantic Services Inc.). Only the
providers and models listed below are kept (the current models of the eight providers the
built-in table covers), with their `match` clauses and prices as published; descriptions and
usage extractors are dropped.
"""
import json
import sys

# genai-prices provider id -> the model ids kept (in the source's order).
KEEP = {
    "openai": [
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3", "o3-mini", "o3-pro",
        "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-pro", "gpt-5.1", "gpt-5.1-codex-mini", "gpt-5.2",
        "gpt-5.2-pro", "gpt-5.3-codex", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.4-pro", "gpt-5.5",
        "gpt-5.5-pro", "gpt-5.6-luna", "gpt-5.6-sol", "gpt-5.6-terra", "text-embedding-3-small",
        "text-embedding-3-large",
    ],
    "anthropic": [
        "claude-3-5-haiku-latest", "claude-haiku-4-5", "claude-opus-4-0", "claude-opus-4-1", "claude-opus-4-5",
        "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-4-0",
        "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-sonnet-5", "claude-fable-5",
    ],
    "google": [
        "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro", "gemini-3-flash-preview",
        "gemini-3-pro-preview", "gemini-3.1-flash-lite", "gemini-3.1-pro-preview", "gemini-3.5-flash",
        "gemini-3.5-flash-lite", "gemini-3.6-flash", "gemini-3.7-flash", "gemini-embedding-001",
    ],
    "mistral": [
        "codestral-2508", "devstral-2512", "magistral-medium", "magistral-small", "ministral-14b-2512",
        "ministral-3b-2512", "mistral-embed", "mistral-large-2512", "mistral-medium-3", "mistral-small-2603",
    ],
    "deepseek": ["deepseek-chat", "deepseek-reasoner", "deepseek-v3.2", "deepseek-v4-flash", "deepseek-v4-pro"],
    "x-ai": [
        "grok-3", "grok-3-mini", "grok-4-0709", "grok-4-1-fast-non-reasoning", "grok-4-1-fast-reasoning",
        "grok-4.20", "grok-4.3", "grok-4.5", "grok-code-fast-1",
    ],
    "aws": [
        "amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0", "amazon.nova-premier-v1:0", "amazon.nova-pro-v1:0",
        "global.amazon.nova-2-lite-v1:0", "regional.amazon.nova-2-lite-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0", "global.anthropic.claude-opus-4-5-v1:0",
        "global.anthropic.claude-opus-4-6-v1:0", "global.anthropic.claude-opus-4-7-v1:0",
        "global.anthropic.claude-opus-4-8-v1:0", "global.anthropic.claude-opus-5",
        "global.anthropic.claude-sonnet-4-20250514-v1:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-sonnet-4-6-v1:0", "global.anthropic.claude-sonnet-5-v1:0",
        "regional.anthropic.claude-3-5-sonnet-20241022-v2:0", "regional.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "regional.anthropic.claude-haiku-4-5-20251001-v1:0", "regional.anthropic.claude-opus-4-1-20250805-v1:0",
        "regional.anthropic.claude-opus-4-5-v1:0", "regional.anthropic.claude-opus-4-6-v1:0",
        "regional.anthropic.claude-opus-4-7-v1:0", "regional.anthropic.claude-opus-4-8-v1:0",
        "regional.anthropic.claude-opus-5", "regional.anthropic.claude-sonnet-4-20250514-v1:0",
        "regional.anthropic.claude-sonnet-4-5-20250929-v1:0", "regional.anthropic.claude-sonnet-4-6-v1:0",
        "regional.anthropic.claude-sonnet-5-v1:0", "deepseek.r1-v1:0", "meta.llama4-maverick-17b-instruct-v1:0",
        "mistral.mistral-large-3-675b-instruct", "openai.gpt-5.5", "openai.gpt-oss-120b-1:0",
    ],
    "azure": ["o1", "o3-2025-04-16", "o3-mini", "o4-mini", "text-embedding-3-large", "text-embedding-3-small"],
}

# The test fixture: a dozen models of the real file, same structure.
FIXTURE = {
    "openai": ["gpt-4o", "gpt-4o-mini", "gpt-4.1-nano", "o3"],
    "anthropic": ["claude-opus-4-1", "claude-opus-4-5", "claude-opus-4-7", "claude-sonnet-4-5"],
    "aws": ["amazon.nova-lite-v1:0", "regional.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    "deepseek": ["deepseek-chat"],
    "azure": ["o4-mini"],
}

PROVIDER_FIELDS = ["id", "name", "pricing_urls", "api_pattern", "provider_match", "model_match", "fallback_model_providers"]
MODEL_FIELDS = ["id", "name", "match", "prices", "price_comments"]


def subset(data, keep):
    out = []
    for p in data:
        ids = keep.get(p["id"])
        if not ids:
            continue
        models = {m["id"]: m for m in p["models"]}
        missing = [i for i in ids if i not in models]
        if missing:
            sys.exit(f"{p['id']}: not in the data: {missing}")
        q = {k: p[k] for k in PROVIDER_FIELDS if k in p}
        q["models"] = [{k: models[i][k] for k in MODEL_FIELDS if k in models[i]} for i in ids]
        out.append(q)
    return out


def main():
    src, commit, date, ws = sys.argv[1:5]
    data = json.load(open(src))
    builtin = {
        "version": f"genai-prices@{date}",
        "source": "https://github.com/pydantic/genai-prices/blob/main/prices/new_data/v2/data.json",
        "commit": commit,
        "commit_date": date,
        "license": "MIT, Copyright (c) Pydantic Services Inc.; selection by scripts/pricing_builtin.py",
        "providers": subset(data, KEEP),
    }
    with open(f"{ws}/genai-o11y/src/pricing/builtin.json", "w") as f:
        json.dump(builtin, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(f"{ws}/tests/fixtures/pricing/genai-prices-v2-excerpt.json", "w") as f:
        json.dump(subset(data, FIXTURE), f, indent=1, ensure_ascii=False)
        f.write("\n")
    n = sum(len(p["models"]) for p in builtin["providers"])
    print(f"{n} built-in models from genai-prices@{date} ({commit})")


main()
