"""Reference numbers for NNTests/TorchReferenceTests.swift, from PyTorch CPU.

Run: python3 Tests/NNTests/Reference/torch_reference.py
(needs torch==2.13.0+cpu; the Swift tests hold the printed numbers and never run Python).
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # the reference in double; Swift runs float32

X = torch.tensor([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, -2.0], [-0.75, 1.25, 0.5, 1.0]])
W = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.05, -0.15, 0.25]])
B = torch.tensor([0.01, -0.02, 0.03])
labels = torch.tensor([2, 0, 1])
Q = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])


def fmt(t):
    return ", ".join(f"{v:.9g}" for v in t.flatten().tolist())


z = X @ W + B
print("logits:", fmt(z))
print("cross_entropy:", f"{F.cross_entropy(z, labels).item():.12g}")
T = 2.0
kl = F.kl_div(F.log_softmax(z / T, dim=1), Q, reduction="batchmean")
print("kl_T2:", f"{kl.item():.12g}")
pred = z[:, :1]
target = torch.tensor([[0.5], [-0.25], [1.0]])
print("mse:", f"{F.mse_loss(pred, target).item():.12g}")

# Three optimizer steps on the loss 0.5*CE + 0.5*T^2*KL of a linear layer.
for name in ["adam", "sgd"]:
    w = W.clone().requires_grad_(True)
    b = B.clone().requires_grad_(True)
    if name == "adam":
        opt = torch.optim.Adam([w, b], lr=0.01, weight_decay=0.001)
    else:
        opt = torch.optim.SGD([w, b], lr=0.1, momentum=0.9, weight_decay=0.001)
    for _ in range(3):
        opt.zero_grad()
        out = X @ w + b
        loss = 0.5 * F.cross_entropy(out, labels) + 0.5 * T * T * F.kl_div(
            F.log_softmax(out / T, dim=1), Q, reduction="batchmean")
        loss.backward()
        opt.step()
    print(f"{name}_weight:", fmt(w.detach()))
    print(f"{name}_bias:", fmt(b.detach()))
