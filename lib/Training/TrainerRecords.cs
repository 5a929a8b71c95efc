using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Training;

/// <summary>
/// What one training step returns: the scalar loss to back-propagate, named terms for the log (each loss term by
/// name, already weighted or not as the recipe says), the parts whose optimizers step (null = all), and a digest of
/// the step's batch (<see cref="Data.FlowBatch.Digest"/>) when the run traces its batches.
/// </summary>
public sealed record StepOutput(Tensor Loss, IReadOnlyDictionary<string, double>? Terms = null)
{
    public IReadOnlyList<string>? Update { get; init; }
    public string? BatchDigest { get; init; }
}

/// <summary>One logged step: mean loss and terms since the previous entry; the batch digests of those steps when traced.</summary>
public sealed record LogEntry(long Step, double Loss, double LearningRate, double Seconds, IReadOnlyDictionary<string, double> Terms)
{
    public IReadOnlyList<string>? Batches { get; init; }
}

/// <summary>An evaluation during training (the recipe's metrics by name) after <see cref="Step"/> steps.</summary>
public sealed record EvalEntry(long Step, IReadOnlyDictionary<string, double> Metrics);

/// <summary>How a run ended.</summary>
public sealed record TrainResult(long StepsDone, bool Completed, string? LastCheckpoint, double Seconds, IReadOnlyList<LogEntry> Log)
{
    public IReadOnlyList<EvalEntry> Evaluations { get; init; } = [];
}

/// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>A trained module of a run with its optimizer settings (one optimizer and schedule per part).</summary>
public sealed record TrainPart(string Name, Module Module, OptimConfig Optim);
