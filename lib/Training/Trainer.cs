using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.optim;
using static TorchSharp.torch.optim.lr_scheduler;

namespace DistillKit.Training;

/// <summary>
/// The generic training loop over one or several named modules (each with its optimizer and schedule, all in one
/// checkpoint): one dispose scope per step, gradient clipping, progress with ETA, a JSONL log with every loss term
/// by name, atomic checkpoints every N steps and at the end, resume from the newest checkpoint, hooks to evaluate
/// every N steps and at the end of each epoch, and a clear stop when the loss is not finite. Methods plug in a step
/// function (the loss for a step index; its randomness must derive from (seed, step) only, so a resumed run sees the
/// batches the uninterrupted one would have). config.json is replaced whole (<see cref="Runtime.AtomicFile"/>) and
/// log.jsonl written a line at a time (<see cref="JsonLinesLog"/>); a failed write of either stops the run with an
/// <see cref="Runtime.OutputWriteException"/> naming the file and the checkpoint to resume from. A run holds its output
/// folder (<see cref="RunLock"/>); on resume it removes what interrupted checkpoint writes left, sets damaged checkpoints
/// aside with a warning and continues from the newest whole one (<see cref="Checkpoint.NewestGood"/>).
/// </summary>
public sealed class Trainer
{
    readonly TrainerConfig _config;
    readonly IReadOnlyList<TrainPart> _parts;
    readonly Func<long, StepOutput> _step;
    readonly string _outDir;
    readonly long _seed;
    readonly string _configJson;

    /// <summary>Called on every logged step (e.g. a notebook's live loss curve).</summary>
    public Action<LogEntry>? OnLog { get; init; }

    /// <summary>Metrics by name, called every <see cref="TrainerConfig.EvaluateEvery"/> steps and at the end; logged.</summary>
    public Func<long, IReadOnlyDictionary<string, double>>? Evaluate { get; init; }

    /// <summary>Called with each evaluation after it is logged.</summary>
    public Action<EvalEntry>? OnEvaluate { get; init; }

    /// <summary>Called after the last step of each epoch (epoch number from 1) when <see cref="TrainerConfig.StepsPerEpoch"/> &gt; 0.</summary>
    public Action<long>? OnEpochEnd { get; init; }

    /// <summary>Where progress lines go (default: standard error); null to silence.</summary>
    public TextWriter? Progress { get; init; } = Console.Error;

    /// <summary>Where warnings go (a damaged checkpoint set aside, a stale lock taken over); default: standard error,
    /// even when <see cref="Progress"/> is silenced.</summary>
    public TextWriter? Warnings { get; init; } = Console.Error;

    /// <summary>The output folder's lock when the caller already holds it (a recipe run); null: the trainer takes it.</summary>
    public RunLock? Lock { get; init; }

    /// <summary>A name shown in progress lines.</summary>
    public string Name { get; init; } = "train";

    /// <param name="step">Computes the loss for a 0-based step index; randomness must derive from (seed, step).</param>
    /// <param name="runConfigJson">The full run config, saved in every checkpoint and in run.json.</param>
    public Trainer(TrainerConfig config, IReadOnlyList<TrainPart> parts, Func<long, StepOutput> step, string outDir, long seed, string runConfigJson)
    {
        if (parts.Count == 0) throw new ArgumentException("Trainer: no module to train");
        if (parts.Select(p => p.Name).Distinct().Count() != parts.Count) throw new ArgumentException("Trainer: part names must be distinct");
        _config = config;
        _parts = parts;
        _step = step;
        _outDir = outDir;
        _seed = seed;
        _configJson = runConfigJson;
    }

    /// <summary>One module trained with <see cref="TrainerConfig.Optim"/>.</summary>
    public Trainer(TrainerConfig config, Module model, Func<long, StepOutput> step, string outDir, long seed, string runConfigJson)
        : this(config, [new TrainPart("model", model, config.Optim)], step, outDir, seed, runConfigJson)
    {
    }

    public string CheckpointDir => Path.Combine(_outDir, "checkpoints");

    /// <summary>Runs (or resumes, when a checkpoint exists and <paramref name="resume"/>) until the configured step count.</summary>
    public TrainResult Run(bool resume = true, CancellationToken cancel = default)
    {
        using var ownLock = Lock is null ? RunLock.Acquire(_outDir, Warnings) : null;
        Directory.CreateDirectory(CheckpointDir);
        var optimizers = _parts.Select(p => p.Optim.CreateOptimizer(p.Module.parameters())).ToArray();
        try
        {
            return Run(optimizers, resume, cancel);
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
        }
    }

    /// <summary>The newest whole checkpoint to resume from (damaged newer ones set aside with a warning); null when the
    /// folder has none; an error naming the folder when it has checkpoints but none is whole.</summary>
    string? ResumePoint()
    {
        foreach (var file in Checkpoint.RemoveIncomplete(CheckpointDir))
            Warnings?.WriteLine($"[{Name}] removed {file}: left by an interrupted checkpoint write");
        var (good, damaged) = Checkpoint.NewestGood(CheckpointDir);
        if (good is null && damaged.Count > 0)
            throw new InvalidDataException($"{CheckpointDir}: no whole checkpoint to resume from: " +
                string.Join("; ", damaged.Select(d => $"{Path.GetFileName(d.Path)}: {d.Problem}")) +
                ". Start afresh (./kit train … --fresh, or RunOptions.Resume = false), or put an intact checkpoint back into the folder.");
        foreach (var (path, problem) in damaged)
        {
            Checkpoint.SetAside(path);
            Warnings?.WriteLine($"[{Name}] warning: checkpoint {path} is damaged: {problem}; set aside as {Path.GetFileName(path)}.corrupt, resuming from {good}");
        }
        return good;
    }

    TrainResult Run(Optimizer[] optimizers, bool resume, CancellationToken cancel)
    {
        var schedulers = _parts.Select((p, i) => p.Optim.CreateScheduler(optimizers[i], _config.Steps)).ToArray();
        var checkpointParts = _parts.Select((p, i) => new CheckpointPart(p.Name, p.Module, optimizers[i])).ToArray();
        long start = 0;
        string? last = null;
        if (!resume)
        {
            foreach (var (_, stale) in Checkpoint.List(CheckpointDir)) Checkpoint.Delete(stale); // a fresh run never mixes with an older one
            Checkpoint.RemoveIncomplete(CheckpointDir);
        }
        if (resume && ResumePoint() is { } from)
        {
            last = from;
            start = Checkpoint.Load(last, checkpointParts);
            Progress?.WriteLine($"[{Name}] resuming from {last} (step {start})");
        }
        foreach (var scheduler in schedulers)
            for (long i = 0; i < start && scheduler is not null; i++) scheduler.step(); // the schedule continues where it stopped
        try
        {
            return Loop(optimizers, schedulers, checkpointParts, start, ref last, cancel);
        }
        catch (Runtime.OutputWriteException e)
        {
            throw e.With(last is null
                ? $"No checkpoint exists in {CheckpointDir} yet; the run starts from step 0 when run again."
                : $"The checkpoint {last} is intact: fix the cause and run again to resume from it.");
        }
    }

    TrainResult Loop(Optimizer[] optimizers, LRScheduler?[] schedulers, CheckpointPart[] checkpointParts, long start, ref string? last, CancellationToken cancel)
    {
        Runtime.AtomicFile.WriteText(Path.Combine(_outDir, "config.json"), "the run config", _configJson);
        var log = new List<LogEntry>();
        var evaluations = new List<EvalEntry>();
        var clock = Stopwatch.StartNew();
        var termSums = new Dictionary<string, double>();
        var digests = new List<string>();
        double lossSum = 0;
        int n = 0;
        long step = start;
        foreach (var p in _parts) p.Module.train();
        using (var logFile = new JsonLinesLog(Path.Combine(_outDir, "log.jsonl"), append: start > 0, Warnings))
        {
            void RunEvaluation(long at)
            {
                if (Evaluate is null) return;
                foreach (var p in _parts) p.Module.eval();
                var entry = new EvalEntry(at, Evaluate(at));
                foreach (var p in _parts) p.Module.train();
                evaluations.Add(entry);
                logFile.Write(JsonSerializer.Serialize(new { entry.Step, Eval = entry.Metrics }, Json.Compact));
                Progress?.WriteLine($"[{Name}] evaluation at step {at}: {string.Join("  ", entry.Metrics.Select(kv => $"{kv.Key} {kv.Value:G4}"))}");
                OnEvaluate?.Invoke(entry);
            }

            while (step < _config.Steps && !cancel.IsCancellationRequested && !(_config.TimeLimit is { } lim && clock.Elapsed > lim))
            {
                double loss;
                using (var scope = torch.NewDisposeScope())
                {
                    foreach (var o in optimizers) o.zero_grad();
                    var output = _step(step);
                    loss = output.Loss.ToDouble();
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException(
                            $"[{Name}] the loss became {loss} at step {step}; stopped. Last good checkpoint: {last ?? "none (diverged before the first checkpoint)"}. " +
                            "Lower the learning rate or enable gradient clipping (OptimConfig.ClipNorm), then resume.");
                    output.Loss.backward();
                    for (int i = 0; i < _parts.Count; i++)
                    {
                        if (output.Update is { } update && !update.Contains(_parts[i].Name)) continue;
                        if (_parts[i].Optim.ClipNorm > 0) torch.nn.utils.clip_grad_norm_(_parts[i].Module.parameters(), _parts[i].Optim.ClipNorm);
                        optimizers[i].step();
                    }
                    foreach (var scheduler in schedulers) scheduler?.step();
                    foreach (var (k, v) in output.Terms ?? new Dictionary<string, double>())
                        termSums[k] = termSums.GetValueOrDefault(k) + v;
                    if (output.BatchDigest is { } digest) digests.Add(digest);
                }
                step++;
                lossSum += loss;
                n++;
                if (step % _config.LogEvery == 0 || step == _config.Steps)
                {
                    var entry = new LogEntry(step, lossSum / n, optimizers[0].ParamGroups.First().LearningRate, clock.Elapsed.TotalSeconds,
                        termSums.ToDictionary(kv => kv.Key, kv => kv.Value / n)) { Batches = digests.Count > 0 ? digests.ToArray() : null };
                    log.Add(entry);
                    logFile.Write(JsonSerializer.Serialize(entry, Json.Compact));
                    OnLog?.Invoke(entry);
                    double perStep = clock.Elapsed.TotalSeconds / (step - start);
                    var eta = TimeSpan.FromSeconds(perStep * (_config.Steps - step));
                    var terms = string.Join("", entry.Terms.Select(kv => $"  {kv.Key} {kv.Value:G4}"));
                    Progress?.WriteLine($"[{Name}] step {step}/{_config.Steps}  loss {entry.Loss:G4}{terms}  lr {entry.LearningRate:G3}  {perStep * 1000:F0} ms/step  ETA {eta:hh\\:mm\\:ss}");
                    termSums.Clear();
                    digests.Clear();
                    lossSum = 0;
                    n = 0;
                }
                if (_config.StepsPerEpoch > 0 && step % _config.StepsPerEpoch == 0) OnEpochEnd?.Invoke(step / _config.StepsPerEpoch);
                if (_config.EvaluateEvery > 0 && step % _config.EvaluateEvery == 0 && step < _config.Steps) RunEvaluation(step);
                if (step % _config.CheckpointEvery == 0 || step == _config.Steps) last = SaveCheckpoint(checkpointParts, step, last);
            }
            if (step >= _config.Steps) RunEvaluation(step);
        }
        if (last is null || !last.EndsWith(Checkpoint.FileName(step))) last = SaveCheckpoint(checkpointParts, step, last);
        foreach (var p in _parts) p.Module.eval();
        return new TrainResult(step, step >= _config.Steps, last, clock.Elapsed.TotalSeconds, log) { Evaluations = evaluations };
    }

    string SaveCheckpoint(CheckpointPart[] parts, long step, string? previous)
    {
        var path = Path.Combine(CheckpointDir, Checkpoint.FileName(step));
        try
        {
            Checkpoint.Save(path, parts, step, _seed, _configJson);
        }
        catch (CheckpointWriteException e)
        {
            throw new CheckpointWriteException(e.Message + (previous is null
                ? $" No earlier checkpoint exists in {CheckpointDir}; the run starts from step 0 when run again."
                : $" The previous checkpoint {previous} is intact: fix the cause and run again to resume from it."), e.InnerException!);
        }
        foreach (var (_, old) in Checkpoint.List(CheckpointDir).SkipLast(_config.KeepCheckpoints)) Checkpoint.Delete(old);
        return path;
    }
}
