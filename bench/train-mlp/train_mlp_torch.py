"""PyTorch side of bench/train-mlp: the seed's MLP (Flatten -> Linear 128 -> ReLU -> Linear 10,
Adam 1e-3, cross-entropy) trained on the same synthetic data shape. Reads commands on stdin,
one per line: "<batch_size> <seconds>", trains for that long and prints
{"batch": b, "examples_per_second": r, "examples_per_cpu_second": c, "threads": t} as one JSON
line (c counts only the CPU time this process got, which steadies figures on a busy machine)."""
import json
import sys
import time

try:
    import torch
except ImportError:
    print(json.dumps({"error": "torch is not installed for " + sys.executable}), flush=True)
    sys.exit(0)

torch.manual_seed(0)
N = 2048
x = torch.rand(N, 28, 28)
y = torch.randint(0, 10, (N,))
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

for line in sys.stdin:
    parts = line.split()
    if len(parts) != 2:
        continue
    batch, seconds = int(parts[0]), float(parts[1])
    seen = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        perm = torch.randperm(N)
        for i in range(0, N, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()
            seen += len(idx)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({"batch": batch, "examples_per_second": seen / elapsed, "examples_per_cpu_second": seen / cpu, "threads": torch.get_num_threads()}), flush=True)
