using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.optim;
using static TorchSharp.torch.optim.lr_scheduler;
using TorchSharp.Modules;

namespace DistillKit.Training;

/// <summary>What one training step returns: the scalar loss to back-propagate and named terms for the log.</summary>
public sealed record StepOutput(Tensor Loss, IReadOnlyDictionary<string, double>? Terms = null);

/// <summary>One logged step.</summary>
public sealed record LogEntry(long Step, double Loss, double LearningRate, double Seconds, IReadOnlyDictionary<string, double> Terms);

/// <summary>How a run ended.</summary>
public sealed record TrainResult(long StepsDone, bool Completed, string? LastCheckpoint, double Seconds, IReadOnlyList<LogEntry> Log);

/// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// The generic training loop: optimizer and schedule from the config, one dispose scope per step, gradient clipping,
/// progress with ETA, a JSONL log, atomic checkpoints every N steps and at the end, resume from the newest checkpoint,
/// and a clear stop when the loss is not finite. Methods plug in a step function (the loss for a step index).
/// </summary>
public sealed class Trainer
{
    readonly TrainerConfig _config;
    readonly Module _model;
    readonly Func<long, StepOutput> _step;
    readonly string _outDir;
    readonly long _seed;
    readonly string _configJson;

    /// <summary>Called on every logged step (e.g. a notebook's live loss curve).</summary>
    public Action<LogEntry>? OnLog { get; init; }

    /// <summary>Where progress lines go (default: standard error); null to silence.</summary>
    public TextWriter? Progress { get; init; } = Console.Error;

    /// <summary>A name shown in progress lines.</summary>
    public string Name { get; init; } = "train";

    /// <param name="step">Computes the loss for a 0-based step index; randomness must derive from (seed, step).</param>
    /// <param name="runConfigJson">The full run config, saved in every checkpoint and in run.json.</param>
    public Trainer(TrainerConfig config, Module model, Func<long, StepOutput> step, string outDir, long seed, string runConfigJson)
    {
        _config = config;
        _model = model;
        _step = step;
        _outDir = outDir;
        _seed = seed;
        _configJson = runConfigJson;
    }

    public string CheckpointDir => Path.Combine(_outDir, "checkpoints");

    /// <summary>Runs (or resumes, when a checkpoint exists and <paramref name="resume"/>) until the configured step count.</summary>
    public TrainResult Run(bool resume = true, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(CheckpointDir);
        using var optimizer = _config.Optim.CreateOptimizer(_model.parameters());
        var scheduler = _config.Optim.CreateScheduler(optimizer, _config.Steps);
        long start = 0;
        string? last = null;
        if (!resume)
            foreach (var (_, stale) in Checkpoint.List(CheckpointDir)) Checkpoint.Delete(stale); // a fresh run never mixes with an older one
        if (resume && Checkpoint.List(CheckpointDir) is { Count: > 0 } existing)
        {
            last = existing[^1].path;
            start = Checkpoint.Load(last, _model, optimizer);
            Progress?.WriteLine($"[{Name}] resuming from {last} (step {start})");
        }
        for (long i = 0; i < start && scheduler is not null; i++) scheduler.step(); // the schedule continues where it stopped
        File.WriteAllText(Path.Combine(_outDir, "config.json"), _configJson);
        var logPath = Path.Combine(_outDir, "log.jsonl");
        var log = new List<LogEntry>();
        var clock = Stopwatch.StartNew();
        var termSums = new Dictionary<string, double>();
        double lossSum = 0;
        int n = 0;
        long step = start;
        _model.train();
        using (var logFile = new StreamWriter(logPath, append: resume && start > 0))
        {
            while (step < _config.Steps && !cancel.IsCancellationRequested && !(_config.TimeLimit is { } lim && clock.Elapsed > lim))
            {
                double loss;
                using (var scope = torch.NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var output = _step(step);
                    loss = output.Loss.ToDouble();
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException(
                            $"[{Name}] the loss became {loss} at step {step}; stopped. Last good checkpoint: {last ?? "none (diverged before the first checkpoint)"}. " +
                            "Lower the learning rate or enable gradient clipping (OptimConfig.ClipNorm), then resume.");
                    output.Loss.backward();
                    if (_config.Optim.ClipNorm > 0) torch.nn.utils.clip_grad_norm_(_model.parameters(), _config.Optim.ClipNorm);
                    optimizer.step();
                    scheduler?.step();
                    foreach (var (k, v) in output.Terms ?? new Dictionary<string, double>())
                        termSums[k] = termSums.GetValueOrDefault(k) + v;
                }
                step++;
                lossSum += loss;
                n++;
                if (step % _config.LogEvery == 0 || step == _config.Steps)
                {
                    var entry = new LogEntry(step, lossSum / n, optimizer.ParamGroups.First().LearningRate, clock.Elapsed.TotalSeconds,
                        termSums.ToDictionary(kv => kv.Key, kv => kv.Value / n));
                    log.Add(entry);
                    logFile.WriteLine(JsonSerializer.Serialize(entry, Json.Compact));
                    logFile.Flush();
                    OnLog?.Invoke(entry);
                    double perStep = clock.Elapsed.TotalSeconds / (step - start);
                    var eta = TimeSpan.FromSeconds(perStep * (_config.Steps - step));
                    Progress?.WriteLine($"[{Name}] step {step}/{_config.Steps}  loss {entry.Loss:G4}  lr {entry.LearningRate:G3}  {perStep * 1000:F0} ms/step  ETA {eta:hh\\:mm\\:ss}");
                    termSums.Clear();
                    lossSum = 0;
                    n = 0;
                }
                if (step % _config.CheckpointEvery == 0 || step == _config.Steps) last = SaveCheckpoint(optimizer, step);
            }
        }
        if (last is null || !last.EndsWith(Checkpoint.FileName(step))) last = SaveCheckpoint(optimizer, step);
        _model.eval();
        return new TrainResult(step, step >= _config.Steps, last, clock.Elapsed.TotalSeconds, log);
    }

    string SaveCheckpoint(Optimizer optimizer, long step)
    {
        var path = Path.Combine(CheckpointDir, Checkpoint.FileName(step));
        Checkpoint.Save(path, _model, optimizer, step, _seed, _configJson);
        foreach (var (_, old) in Checkpoint.List(CheckpointDir).SkipLast(_config.KeepCheckpoints)) Checkpoint.Delete(old);
        return path;
    }
}
