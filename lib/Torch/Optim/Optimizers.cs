using DistillKit.Torch.Modules;

namespace DistillKit.Torch;

/// <summary>Base of the optimizers: one parameter group with a learning rate schedulers may change.</summary>
public abstract class Optimizer : IDisposable
{
    protected readonly Parameter[] Params;

    protected Optimizer(IEnumerable<Parameter> parameters, double lr)
    {
        Params = parameters.ToArray();
        if (Params.Length == 0) throw new ArgumentException("optimizer got an empty parameter list");
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), "learning rate must be non-negative");
        LearningRate = lr;
        InitialLearningRate = lr;
    }

    /// <summary>Current learning rate (set by schedulers).</summary>
    public double LearningRate { get; set; }

    public double InitialLearningRate { get; }

    /// <summary>Number of completed steps.</summary>
    public long StepCount { get; protected set; }

    /// <summary>Clears the gradients of every parameter.</summary>
    public void zero_grad()
    {
        foreach (var p in Params) p.grad = null;
    }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void step()
    {
        using var ng = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        StepCount++;
        for (int i = 0; i < Params.Length; i++)
        {
            var g = Params[i].grad;
            if (g is null) continue;
            Update(i, Params[i], g);
        }
    }

    protected abstract void Update(int index, Parameter p, Tensor grad);

    /// <summary>Optimizer state tensors by name (for checkpoints), e.g. "3.exp_avg".</summary>
    public abstract IEnumerable<(string name, Tensor tensor)> State();

    /// <summary>Restores state saved with <see cref="State"/>; the step count is stored separately.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        StepCount = stepCount;
        foreach (var (name, t) in State())
            if (state.TryGetValue(name, out var v)) { using var ng = torch.no_grad(); t.copy_(v); }
            else throw new KeyNotFoundException($"optimizer state '{name}' missing from the checkpoint");
    }

    public virtual void Dispose() { }

    protected static Tensor Keep(Tensor t) => t.DetachFromDisposeScope();
}

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's algorithm).</summary>
public sealed class SGD : Optimizer
{
    readonly double _momentum, _dampening, _weightDecay;
    readonly bool _nesterov;
    readonly Tensor?[] _buf;

    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        _momentum = momentum;
        _dampening = dampening;
        _weightDecay = weight_decay;
        _nesterov = nesterov;
        _buf = new Tensor?[Params.Length];
    }

    protected override void Update(int i, Parameter p, Tensor grad)
    {
        var d = _weightDecay != 0 ? grad.add(p, _weightDecay) : grad;
        if (_momentum != 0)
        {
            if (_buf[i] is null) _buf[i] = Keep(d.clone());
            else _buf[i]!.mul_(_momentum).add_(d, 1 - _dampening);
            d = _nesterov ? d.add(_buf[i]!, _momentum) : _buf[i]!;
        }
        p.add_(d, -LearningRate);
    }

    public override IEnumerable<(string name, Tensor tensor)> State()
    {
        for (int i = 0; i < _buf.Length; i++)
            if (_buf[i] is not null) yield return ($"{i}.momentum_buffer", _buf[i]!);
    }

    public override void Dispose()
    {
        foreach (var b in _buf) b?.Dispose();
    }
}

/// <summary>Adam and AdamW (decoupled weight decay), PyTorch 1.13's single-tensor algorithm.</summary>
public sealed class Adam : Optimizer
{
    readonly double _beta1, _beta2, _eps, _weightDecay;
    readonly bool _decoupled;
    readonly Tensor[] _expAvg, _expAvgSq;

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 0, bool decoupled_weight_decay = false) : base(parameters, lr)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weight_decay;
        _decoupled = decoupled_weight_decay;
        using var ng = torch.no_grad();
        _expAvg = Params.Select(p => Keep(torch.zeros_like(p))).ToArray();
        _expAvgSq = Params.Select(p => Keep(torch.zeros_like(p))).ToArray();
    }

    protected override void Update(int i, Parameter p, Tensor grad)
    {
        if (_weightDecay != 0)
        {
            if (_decoupled) p.mul_(1 - LearningRate * _weightDecay);
            else grad = grad.add(p, _weightDecay);
        }
        _expAvg[i].mul_(_beta1).add_(grad, 1 - _beta1);
        _expAvgSq[i].mul_(_beta2).addcmul_(grad, grad, 1 - _beta2);
        double bc1 = 1 - Math.Pow(_beta1, StepCount);
        double bc2 = 1 - Math.Pow(_beta2, StepCount);
        var denom = _expAvgSq[i].sqrt().div_(Math.Sqrt(bc2)).add_(_eps);
        p.addcdiv_(_expAvg[i], denom, -LearningRate / bc1);
    }

    public override IEnumerable<(string name, Tensor tensor)> State()
    {
        for (int i = 0; i < Params.Length; i++)
        {
            yield return ($"{i}.exp_avg", _expAvg[i]);
            yield return ($"{i}.exp_avg_sq", _expAvgSq[i]);
        }
    }

    public override void Dispose()
    {
        foreach (var t in _expAvg) t.Dispose();
        foreach (var t in _expAvgSq) t.Dispose();
    }
}

public static partial class torch
{
    /// <summary><c>torch.optim</c>: optimizer factories and schedulers.</summary>
    public static partial class optim
    {
        public static SGD SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false) =>
            new(parameters, lr, momentum, dampening, weight_decay, nesterov);

        public static Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay);

        /// <summary>Adam with decoupled weight decay (default 0.01 as in PyTorch).</summary>
        public static Adam AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay: true);
    }

    public static partial class nn
    {
        /// <summary><c>torch.nn.utils</c>.</summary>
        public static class utils
        {
            /// <summary>Scales gradients so their total p-norm is at most max_norm; returns the norm before clipping.</summary>
            public static double clip_grad_norm_(IEnumerable<Parameter> parameters, double max_norm, double norm_type = 2.0)
            {
                using var ng = no_grad();
                using var scope = NewDisposeScope();
                var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
                if (grads.Count == 0) return 0;
                var norms = grads.Select(g => g.norm(norm_type)).ToList();
                var total = stack(norms).norm(norm_type);
                double t = total.ToDouble();
                double coef = max_norm / (t + 1e-6);
                if (coef < 1)
                    foreach (var g in grads) g.mul_(coef);
                return t;
            }
        }
    }
}
