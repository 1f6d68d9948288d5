"""Reference streaming client of the field, for `servesweep selftest`.

The approach of SGLang's bench_serving / `vllm bench serve`: one aiohttp
session, one coroutine per stream, iterate over the response body chunks,
strip "data: ", json.loads each event, time.perf_counter() per chunk.

    python3 scripts/ref_client.py URL STREAMS TOKENS
Prints {"tokens", "seconds", "cpu_seconds", "tokens_per_s", "tokens_per_cpu_s", "failed"}.
"""
import asyncio, json, sys, time
import aiohttp

async def one(session, url, tokens, counts):
    body = {"input_ids": [[1, 2, 3, 4]], "sampling_params": {"max_new_tokens": tokens, "temperature": 0, "ignore_eos": True}, "stream": True}
    got = 0
    async with session.post(url + "/generate", json=body) as resp:
        async for chunk in resp.content:
            chunk = chunk.strip()
            if not chunk:
                continue
            data = chunk.decode()[len("data: "):] if chunk.startswith(b"data: ") else chunk.decode()
            if data == "[DONE]":
                break
            ev = json.loads(data)
            _ = time.perf_counter()
            got = ev["meta_info"]["completion_tokens"]
    counts.append(got)

async def main():
    url, streams, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    counts = []
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=600)) as s:
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(s, url, tokens, counts) for _ in range(streams)), return_exceptions=True)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    total = sum(counts)
    print(json.dumps({"tokens": total, "seconds": dt, "cpu_seconds": cpu, "tokens_per_s": total / dt,
                      "tokens_per_cpu_s": total / cpu if cpu else 0, "failed": streams - sum(1 for c in counts if c == tokens)}))

asyncio.run(main())
