namespace DistillKit.Training.Recipes;

/// <summary>
/// One phase of a recipe's loss schedule: <see cref="Steps"/> optimisation steps during which each loss term of
/// <see cref="Weights"/> (by the recipe's term names) enters the total with its weight (0 or absent = off).
/// </summary>
public sealed record LossPhase(string Name, long Steps, Dictionary<string, double> Weights)
{
    /// <summary>The weight of a term in this phase (0 when absent).</summary>
    public double Weight(string term) => Weights.GetValueOrDefault(term);
}

/// <summary>Loss phases in order; the run's length is their sum.</summary>
public static class LossPhases
{
    public static long Total(IReadOnlyList<LossPhase> phases) => phases.Sum(p => p.Steps);

    /// <summary>The phase of a 0-based step (the last phase after the end).</summary>
    public static (LossPhase phase, int index) At(IReadOnlyList<LossPhase> phases, long step)
    {
        if (phases.Count == 0) throw new ArgumentException("a recipe needs at least one loss phase");
        long end = 0;
        for (int i = 0; i < phases.Count; i++)
        {
            end += phases[i].Steps;
            if (step < end) return (phases[i], i);
        }
        return (phases[^1], phases.Count - 1);
    }

    /// <summary>The phases rescaled to <paramref name="totalSteps"/> in all, in proportion (each at least 1 step when it had any).</summary>
    public static IReadOnlyList<LossPhase> ScaleTo(IReadOnlyList<LossPhase> phases, long totalSteps)
    {
        long total = Total(phases), assigned = 0;
        var result = new List<LossPhase>();
        for (int i = 0; i < phases.Count; i++)
        {
            long steps = i == phases.Count - 1 ? totalSteps - assigned : Math.Max(phases[i].Steps > 0 ? 1 : 0, phases[i].Steps * totalSteps / Math.Max(1, total));
            steps = Math.Max(0, Math.Min(steps, totalSteps - assigned));
            result.Add(phases[i] with { Steps = steps });
            assigned += steps;
        }
        return result;
    }

    /// <summary>The phases as they are, the last one lengthened (or shortened) so that they sum to
    /// <paramref name="totalSteps"/>: a longer run of the same schedule, the earlier phases keeping their lengths.
    /// Fails when the earlier phases alone already take <paramref name="totalSteps"/> or more.</summary>
    public static IReadOnlyList<LossPhase> ExtendTo(IReadOnlyList<LossPhase> phases, long totalSteps)
    {
        if (phases.Count == 0) throw new ArgumentException("a recipe needs at least one loss phase");
        long before = Total(phases) - phases[^1].Steps;
        if (totalSteps <= before)
            throw new ArgumentException($"{totalSteps} steps leave no step for the last loss phase '{phases[^1].Name}': the phases before it take {before}");
        return [.. phases.Take(phases.Count - 1), phases[^1] with { Steps = totalSteps - before }];
    }
}
