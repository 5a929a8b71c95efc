using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.optim;

namespace DistillKit.Training;

/// <summary>
/// An optimizer's per-parameter state as named tensors for checkpoints, in parameter order: <c>{i}.exp_avg</c>,
/// <c>{i}.exp_avg_sq</c> (Adam, AdamW), <c>{i}.momentum_buffer</c> (SGD with momentum). The same names as kit 0.1's
/// checkpoints, so those resume too. The step count (Adam's bias correction) is one number for all parameters.
/// </summary>
public static class OptimizerStateIO
{
    /// <summary>The state tensors (live references, not copies) and the optimizer's step count.</summary>
    public static IEnumerable<(string name, Tensor tensor, long steps)> Tensors(Optimizer optimizer)
    {
        var states = Helper(optimizer).state_dict().State;
        for (int i = 0; i < states.Count; i++)
        {
            switch (states[i])
            {
                case Adam.State a:
                    yield return ($"{i}.exp_avg", a.exp_avg, a.step);
                    yield return ($"{i}.exp_avg_sq", a.exp_avg_sq, a.step);
                    break;
                case AdamW.State a:
                    yield return ($"{i}.exp_avg", a.exp_avg, a.step);
                    yield return ($"{i}.exp_avg_sq", a.exp_avg_sq, a.step);
                    break;
                case SGD.State s when s.momentum_buffer is not null:
                    yield return ($"{i}.momentum_buffer", s.momentum_buffer, 0);
                    break;
            }
        }
    }

    static OptimizerHelper Helper(Optimizer optimizer) => optimizer as OptimizerHelper
        ?? throw new ArgumentException($"{optimizer.GetType().Name}: only TorchSharp's built-in optimizers have a state the kit can checkpoint");

    /// <summary>Restores state written by <see cref="Tensors"/>; throws naming <paramref name="source"/> when a tensor is missing or misshapen.</summary>
    public static void Load(Optimizer optimizer, IReadOnlyDictionary<string, Tensor> saved, long steps, string source)
    {
        var helper = Helper(optimizer);
        var dict = helper.state_dict();
        using (torch.no_grad())
        {
            for (int i = 0; i < dict.State.Count; i++)
            {
                switch (dict.State[i])
                {
                    case Adam.State a:
                        Copy(a.exp_avg, $"{i}.exp_avg");
                        Copy(a.exp_avg_sq, $"{i}.exp_avg_sq");
                        a.step = steps;
                        break;
                    case AdamW.State a:
                        Copy(a.exp_avg, $"{i}.exp_avg");
                        Copy(a.exp_avg_sq, $"{i}.exp_avg_sq");
                        a.step = steps;
                        break;
                    case SGD.State s:
                        if (saved.TryGetValue($"{i}.momentum_buffer", out var m))
                        {
                            s.momentum_buffer?.Dispose();
                            s.momentum_buffer = m.detach().clone();
                        }
                        break;
                }
            }
        }
        helper.load_state_dict(dict);

        void Copy(Tensor target, string name)
        {
            if (!saved.TryGetValue(name, out var value))
                throw new InvalidDataException($"{source}: optimizer state '{name}' is missing (written for another model or optimizer?)");
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{source}: optimizer state '{name}' has shape [{string.Join(",", value.shape)}], the optimizer expects [{string.Join(",", target.shape)}]");
            target.copy_(value);
        }
    }
}
