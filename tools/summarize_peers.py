"""Summarise a bench-peers run: per task and framework, the median and spread over rounds, and NeuralKit's ratio to
each peer (time ratios below 1 and speed ratios above 1 mean NeuralKit is faster). Accuracies vary with the seed
(each round uses its number as the seed), so their range is printed next to the median. For the character models
(charlstm) the "accuracy" column holds the validation loss in nats per character (lower is better)."""
import glob
import json
import os
import statistics
import sys

out = sys.argv[1]
rows = {}
for path in sorted(glob.glob(os.path.join(out, "*__*__run*.json"))):
    task, fw, _ = os.path.basename(path)[:-5].split("__")
    with open(path) as f:
        rec = json.load(f)
    if fw == "neuralkit":
        r = rec[task]
        value = r["steps_per_second"] if task == "tiny" else r["seconds_per_epoch"]
        acc = r.get("val_loss") if task.startswith("char") else r.get("test_accuracy")
        rss = r.get("peak_rss_mib")
    else:
        r = rec["result"]
        value = {"mlp": r.get("sec_per_epoch_median"), "cnn": r.get("sec_per_epoch"), "tiny": r.get("steps_per_sec"),
                 "charlstm": r.get("sec_per_epoch"), "chargpt": r.get("sec_per_epoch")}[task]
        acc = r.get("val_loss") if task.startswith("char") else r.get("test_acc", r.get("train_acc"))
        rss = rec.get("ru_maxrss_mib")
    rows.setdefault(task, {}).setdefault(fw, []).append((value, acc, rss))

print("| task | framework | median | spread (min–max) | rounds | accuracy (char: val loss): median (min–max) | peak RSS MiB | NeuralKit ratio |")
print("|---|---|---|---|---|---|---|---|")
for task, fws in rows.items():
    unit = "steps/s" if task == "tiny" else "s/epoch"
    nk = statistics.median(v for v, _, _ in fws.get("neuralkit", [(float("nan"), 0, 0)]))
    for fw in ["neuralkit"] + sorted(k for k in fws if k != "neuralkit"):
        if fw not in fws:
            continue
        vals = [v for v, _, _ in fws[fw] if v is not None]
        med = statistics.median(vals)
        accs = [a for _, a, _ in fws[fw] if a is not None]
        rss = [m for _, _, m in fws[fw] if m is not None]
        ratio = "" if fw == "neuralkit" else (f"{nk / med:.2f}× ({'speed' if task == 'tiny' else 'time'})")
        print(f"| {task} | {fw} | {med:.4g} {unit} | {min(vals):.4g}–{max(vals):.4g} | {len(vals)} | "
              f"{statistics.median(accs):.4f} ({min(accs):.4f}–{max(accs):.4f}) | {statistics.median(rss):.0f} | {ratio} |"
              if accs and rss else
              f"| {task} | {fw} | {med:.4g} {unit} | {min(vals):.4g}–{max(vals):.4g} | {len(vals)} | | | {ratio} |")
