using DistillKit.Losses;
using DistillKit.Models.Pmd;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>
/// What the frozen teacher says about each clean training pair, as the student's pseudo-labels (METHODS.md §6): its K
/// source → target hypotheses [K,2,h,w] (normalised, <see cref="CellGrid"/>) and their cycle-consistency weights
/// [K,1,h,w] (<see cref="PmdCycleWeight"/> against its K target → source hypotheses, hypothesis k with k). The attention
/// noise of pair i is drawn from (seed, <see cref="NoiseStream"/>, i, direction) alone, so a pair's targets do not depend
/// on its batch or on caching; the teacher runs in eval mode. With <see cref="Cached"/> each pair's targets are computed
/// once and kept (they are small: 4·3·h·w floats); otherwise every request recomputes them from the images.
/// </summary>
public sealed class PmdTeacherTargets : IDisposable
{
    public const long NoiseStream = 61;

    readonly PmdTeacher _teacher;
    readonly PmdRunParts _parts;
    readonly long _seed;
    readonly PmdStudentLosses _losses;
    readonly Dictionary<int, (Tensor hypotheses, Tensor cycle)> _kept = new();

    public PmdTeacherTargets(PmdTeacher teacher, PmdRunParts parts, long seed, PmdStudentLosses losses, bool cached)
    {
        _teacher = teacher;
        _parts = parts;
        _seed = seed;
        _losses = losses;
        Cached = cached;
    }

    public bool Cached { get; }

    /// <summary>Hypotheses [K,B,2,h,w] and cycle weights [K,B,1,h,w] of the training pairs <paramref name="indices"/>; no gradient.</summary>
    public (Tensor Hypotheses, Tensor Cycle) Of(IReadOnlyList<int> indices)
    {
        using var scope = torch.NewDisposeScope();
        var missing = Cached ? indices.Where(i => !_kept.ContainsKey(i)).Distinct().ToArray() : indices.ToArray();
        var computed = missing.Length > 0 ? Compute(missing) : default;
        Tensor hyps, cycle;
        if (Cached)
        {
            for (int m = 0; m < missing.Length; m++)
                _kept[missing[m]] = (computed.hyps.select(1, m).clone().DetachFromDisposeScope(), computed.cycle.select(1, m).clone().DetachFromDisposeScope());
            hyps = torch.stack(indices.Select(i => _kept[i].hypotheses).ToArray(), 1);
            cycle = torch.stack(indices.Select(i => _kept[i].cycle).ToArray(), 1);
        }
        else (hyps, cycle) = computed;
        scope.MoveToOuter(hyps, cycle);
        return (hyps, cycle);
    }

    (Tensor hyps, Tensor cycle) Compute(IReadOnlyList<int> indices)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var fs = PmdImages.Features(_parts.Cache, _parts.Train, indices, target: false);
        using var ft = PmdImages.Features(_parts.Cache, _parts.Train, indices, target: true);
        var forward = PmdNoise.For(_teacher.Config, _seed, indices.Select(i => new[] { NoiseStream, (long)i, 0L }).ToArray());
        var backward = PmdNoise.For(_teacher.Config, _seed, indices.Select(i => new[] { NoiseStream, (long)i, 1L }).ToArray());
        var (fw, bw) = _teacher.HypothesesBoth(fs, ft, forward, backward);
        var cycle = PmdCycleWeight.Compute(fw.Flow, bw.Flow, null, _losses.CycleThreshold, _losses.CycleSteepness);
        var hyps = fw.Flow.clone();
        fw.Dispose();
        bw.Dispose();
        scope.MoveToOuter(hyps, cycle);
        return (hyps, cycle);
    }

    public void Dispose()
    {
        foreach (var (h, c) in _kept.Values)
        {
            h.Dispose();
            c.Dispose();
        }
        _kept.Clear();
    }
}
