"""Reference values for Tests/MetricsTests/StatisticsTests.swift, computed with scipy and numpy.

Run:  python3 Tests/MetricsTests/reference_statistics.py   (needs numpy, scipy and mpmath)
It rewrites student_t_reference.csv next to this file (the t CDF and quantile grid the Swift
tests read) and prints the other numbers, to be pasted into the Swift tests. The replicate
series here are the same as in the Swift tests.
"""
import os

import mpmath
import numpy as np
import scipy
from scipy import stats


def show(name, value):
    print(f"{name} = {float(value)!r}")


print(f"# scipy {scipy.__version__}, numpy {np.__version__}")

# --- Student's t: CDF and quantile over a grid of degrees of freedom -----------------------
dfs = list(range(1, 11)) + [12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 175, 200] + [1.5, 2.5, 4.75, 12.3, 99.9]
ps = [1e-12, 1e-9, 1e-6, 1e-4, 1e-3, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.2500001, 0.3, 0.4, 0.45, 0.49,
      0.4999, 0.5001, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 1 - 1e-6, 1 - 1e-9]
ts = [-1e4, -300.0, -50.0, -12.0, -6.0, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, -0.1, -1e-3, -1e-8,
      1e-8, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 6.0, 12.0, 50.0, 300.0, 1e4]

# scipy is itself off by ~1e-9 at a few points (df = 1 at |t| = 1e-8, df = 4 at p = 0.4999), so
# each row also carries the value to 50 digits from mpmath's incomplete beta function, and
# the Swift tests hold mtkd to both.
mpmath.mp.dps = 50
half = mpmath.mpf(1) / 2


def exact_cdf(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    if abs(t) < 1:  # P(|T| < |t|) = I_{t²/(df+t²)}(1/2, df/2)
        central = mpmath.betainc(half, df / 2, 0, t * t / (df + t * t), regularized=True)
        return (1 - central) / 2 if t < 0 else (1 + central) / 2
    tail = mpmath.betainc(df / 2, half, 0, df / (df + t * t), regularized=True) / 2  # P(T > |t|)
    return tail if t < 0 else 1 - tail


path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "student_t_reference.csv")
rows = off = 0
with open(path, "w") as f:
    f.write(f"# scipy {scipy.__version__} stats.t.cdf(x, df) and stats.t.ppf(x, df), and the exact values "
            f"(mpmath {mpmath.__version__}, 50 digits); written by reference_statistics.py\n")
    f.write("function,df,x,scipy,exact\n")
    for df in dfs:
        for t in ts:
            value = float(stats.t.cdf(t, df))
            if value > 1e-290:  # leave out underflowing tails
                exact = float(exact_cdf(t, df))
                f.write(f"cdf,{df!r},{t!r},{value!r},{exact!r}\n")
                rows += 1
                off += abs(value - exact) > 1e-10 * abs(exact)
        for p in ps:
            value = float(stats.t.ppf(p, df))
            exact = float(mpmath.findroot(lambda t: exact_cdf(t, df) - mpmath.mpf(p), value))
            f.write(f"ppf,{df!r},{p!r},{value!r},{exact!r}\n")
            rows += 1
            off += abs(value - exact) > 1e-10 * abs(exact)
print(f"# wrote {rows} rows to {os.path.basename(path)}; scipy off by more than 1e-10 in {off}")
show("tCritical95df9", stats.t.ppf(0.975, 9))

# --- Replicates ------------------------------------------------------------------------------
# Accuracy of 5 replicates (paired by k) of a distilled student and its no-KD baseline,
# and the teacher ensemble's accuracy.
student = np.array([0.8512, 0.8534, 0.8498, 0.8541, 0.8525])
baseline = np.array([0.8431, 0.8470, 0.8422, 0.8465, 0.8440])
ensemble = 0.8610
n = len(student)

# Mean with its 95% t-interval.
sem = student.std(ddof=1) / np.sqrt(n)
low, high = stats.t.interval(0.95, n - 1, loc=student.mean(), scale=sem)
show("meanEstimate", student.mean())
show("meanLow", low)
show("meanHigh", high)

# Paired t-test.
res = stats.ttest_rel(student, baseline)
ci = res.confidence_interval(0.95)
show("pairedEstimate", (student - baseline).mean())
show("pairedLow", ci.low)
show("pairedHigh", ci.high)
show("pairedPValue", res.pvalue)

# A difference that is not significant.
a2 = np.array([0.71, 0.74, 0.69, 0.73])
b2 = np.array([0.72, 0.70, 0.71, 0.72])
res2 = stats.ttest_rel(a2, b2)
show("pairedPValueNotSignificant", res2.pvalue)


def fieller(s, b, e, level=0.95):
    """Fieller's interval for mean(s - b) / mean(e - b), written from the formula:
    the theta with (d - theta g)^2 <= t^2 (v_dd - 2 theta v_dg + theta^2 v_gg)."""
    d, g = s - b, e - b
    k = len(d)
    v = np.cov(np.vstack([d, g]), ddof=1) / k  # [[v_dd, v_dg], [v_dg, v_gg]]
    t = stats.t.ppf(0.5 + level / 2, k - 1)
    dm, gm = d.mean(), g.mean()
    # (gm^2 - t^2 v_gg) theta^2 - 2 (dm gm - t^2 v_dg) theta + (dm^2 - t^2 v_dd) = 0
    coefficients = [gm**2 - t**2 * v[1, 1], -2 * (dm * gm - t**2 * v[0, 1]), dm**2 - t**2 * v[0, 0]]
    roots = np.sort(np.roots(coefficients).real)
    return dm / gm, roots[0], roots[1], coefficients[0]


est, lo, hi, a = fieller(student, baseline, ensemble)
show("gapEstimate", est)
show("gapLow", lo)
show("gapHigh", hi)

# Log loss (lower is better): the same formula, differences keep their signs.
ll_student = np.array([0.331, 0.327, 0.335, 0.329, 0.333])
ll_baseline = np.array([0.352, 0.349, 0.357, 0.348, 0.351])
ll_ensemble = 0.318
est, lo, hi, a = fieller(ll_student, ll_baseline, ll_ensemble)
show("gapLogLossEstimate", est)
show("gapLogLossLow", lo)
show("gapLogLossHigh", hi)

# The ensemble's gain is within noise: A = ḡ² − t²·v_gg ≤ 0, no bounded interval.
noisy_baseline = np.array([0.84, 0.86, 0.83, 0.87, 0.85])
_, _, _, a = fieller(student, noisy_baseline, 0.852)
show("gapNoisyA", a)
