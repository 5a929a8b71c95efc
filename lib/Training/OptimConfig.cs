using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.optim;
using static TorchSharp.torch.optim.lr_scheduler;
using TorchSharp.Modules;

namespace DistillKit.Training;

public enum OptimizerKind { Adam, AdamW, Sgd }
public enum ScheduleKind { Constant, Step, MultiStep, Cosine, OneCycle }

/// <summary>Optimizer, schedule and gradient clipping of a training run. Immutable; derive with <c>with</c>.</summary>
public sealed record OptimConfig
{
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public double LearningRate { get; init; } = 1e-4;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double WeightDecay { get; init; }
    public double Momentum { get; init; } = 0.9;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

    /// <summary>Step schedule: multiply by <see cref="Gamma"/> every <see cref="StepSize"/> steps.</summary>
    public long StepSize { get; init; } = 80_000;
    public double Gamma { get; init; } = 0.5;
    public long[] Milestones { get; init; } = [];

    /// <summary>Clip the total gradient 2-norm to this value (0 = no clipping).</summary>
    public double ClipNorm { get; init; }

    public Optimizer CreateOptimizer(IEnumerable<Parameter> parameters) => Optimizer switch
    {
        OptimizerKind.Adam => Adam(parameters, LearningRate, Beta1, Beta2, weight_decay: WeightDecay),
        OptimizerKind.AdamW => AdamW(parameters, LearningRate, Beta1, Beta2, weight_decay: WeightDecay),
        _ => SGD(parameters, LearningRate, Momentum, weight_decay: WeightDecay),
    };

    /// <summary>The scheduler for a run of <paramref name="totalSteps"/> steps (null for a constant rate).</summary>
    public LRScheduler? CreateScheduler(Optimizer optimizer, long totalSteps) => Schedule switch
    {
        ScheduleKind.Step => StepLR(optimizer, (int)StepSize, Gamma),
        ScheduleKind.MultiStep => MultiStepLR(optimizer, Milestones.Select(m => (int)m).ToArray(), Gamma),
        ScheduleKind.Cosine => CosineAnnealingLR(optimizer, totalSteps),
        ScheduleKind.OneCycle => OneCycleLR(optimizer, LearningRate, (int)totalSteps + 1),
        _ => null,
    };
}
