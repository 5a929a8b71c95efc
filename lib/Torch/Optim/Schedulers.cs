namespace DistillKit.Torch;

/// <summary>
/// A learning-rate schedule: a closed-form function of the step count, applied to an optimizer by
/// <see cref="step"/> (call once per training step after <c>optimizer.step()</c>), so a resumed run that sets
/// <see cref="LastStep"/> continues exactly.
/// </summary>
public abstract class LRScheduler
{
    protected readonly Optimizer Optimizer;
    protected readonly double BaseLr;

    protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
        BaseLr = optimizer.InitialLearningRate;
    }

    /// <summary>Number of scheduler steps taken.</summary>
    public long LastStep { get; set; }

    /// <summary>The learning rate after <paramref name="step"/> scheduler steps.</summary>
    public abstract double LearningRateAt(long step);

    public void step()
    {
        LastStep++;
        Optimizer.LearningRate = LearningRateAt(LastStep);
    }

    /// <summary>Sets the step (resume) and the optimizer's learning rate accordingly.</summary>
    public void Resume(long step)
    {
        LastStep = step;
        Optimizer.LearningRate = LearningRateAt(step);
    }
}

/// <summary>lr = base · gamma^floor(step / step_size).</summary>
public sealed class StepLR(Optimizer optimizer, long step_size, double gamma = 0.1) : LRScheduler(optimizer)
{
    public override double LearningRateAt(long step) => BaseLr * Math.Pow(gamma, step / step_size);
}

/// <summary>lr = base · gamma^(number of milestones passed).</summary>
public sealed class MultiStepLR(Optimizer optimizer, long[] milestones, double gamma = 0.1) : LRScheduler(optimizer)
{
    public override double LearningRateAt(long step) => BaseLr * Math.Pow(gamma, milestones.Count(m => step >= m));
}

/// <summary>lr = base · gamma^step.</summary>
public sealed class ExponentialLR(Optimizer optimizer, double gamma) : LRScheduler(optimizer)
{
    public override double LearningRateAt(long step) => BaseLr * Math.Pow(gamma, step);
}

/// <summary>Cosine annealing from base to eta_min over T_max steps (closed form, no restarts).</summary>
public sealed class CosineAnnealingLR(Optimizer optimizer, long T_max, double eta_min = 0) : LRScheduler(optimizer)
{
    public override double LearningRateAt(long step) =>
        eta_min + (BaseLr - eta_min) * (1 + Math.Cos(Math.PI * Math.Min(step, T_max) / T_max)) / 2;
}

/// <summary>
/// One-cycle policy (cosine annealing): from max_lr/div_factor up to max_lr over pct_start of total_steps, then
/// down to max_lr/(div_factor·final_div_factor), as PyTorch's OneCycleLR with anneal_strategy "cos" (no momentum cycling).
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    readonly double _max, _initial, _final, _up;
    readonly long _total;

    public OneCycleLR(Optimizer optimizer, double max_lr, long total_steps, double pct_start = 0.3, double div_factor = 25, double final_div_factor = 1e4)
        : base(optimizer)
    {
        _max = max_lr;
        _initial = max_lr / div_factor;
        _final = _initial / final_div_factor;
        _total = total_steps;
        _up = pct_start * total_steps - 1;
        optimizer.LearningRate = _initial;
    }

    static double Cos(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);

    public override double LearningRateAt(long step)
    {
        step = Math.Min(step, _total - 1);
        return step <= _up
            ? Cos(_initial, _max, _up <= 0 ? 1 : step / _up)
            : Cos(_max, _final, (step - _up) / Math.Max(1e-9, _total - 1 - _up));
    }
}

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>Scheduler factories (PyTorch's <c>torch.optim.lr_scheduler</c>).</summary>
        public static class lr_scheduler
        {
            public static StepLR StepLR(Optimizer o, long step_size, double gamma = 0.1) => new(o, step_size, gamma);
            public static MultiStepLR MultiStepLR(Optimizer o, long[] milestones, double gamma = 0.1) => new(o, milestones, gamma);
            public static ExponentialLR ExponentialLR(Optimizer o, double gamma) => new(o, gamma);
            public static CosineAnnealingLR CosineAnnealingLR(Optimizer o, long T_max, double eta_min = 0) => new(o, T_max, eta_min);
            public static OneCycleLR OneCycleLR(Optimizer o, double max_lr, long total_steps, double pct_start = 0.3) => new(o, max_lr, total_steps, pct_start);
        }
    }
}
