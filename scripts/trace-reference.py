"""Independent reference computation for servesweep's trace analyser.

For each trace file: the number of step ranges (gpu_user_annotation named
step[...]), GPU busy time (length of the union of kernel, gpu_memcpy and
gpu_memset intervals), and the communication share (total duration of kernels
whose name contains "nccl", divided by busy time). Written in Python with the
standard library only, separately from the Go code it checks.

    python3 scripts/trace-reference.py FILE... > expected.json
"""
import gzip, json, os, sys

def analyse(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        events = json.load(f)["traceEvents"]
    gpu = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                 if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset"))
    busy, cur_s, cur_e = 0.0, None, None
    for s, e in gpu:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                busy += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        busy += cur_e - cur_s
    comm = sum(e["dur"] for e in events if e.get("ph") == "X" and e.get("cat") == "kernel" and "nccl" in e["name"].lower())
    steps = sum(1 for e in events if e.get("cat") == "gpu_user_annotation" and e["name"].startswith("step["))
    return {"steps": steps, "busy_ms": busy / 1000, "communication_ms": comm / 1000, "communication_share": comm / busy if busy else 0}

print(json.dumps({os.path.basename(p): analyse(p) for p in sys.argv[1:]}, indent=2, sort_keys=True))
