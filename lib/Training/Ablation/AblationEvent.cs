namespace DistillKit.Training.Ablation;

/// <summary>What happened to a run of an ablation.</summary>
public enum AblationEventKind
{
    /// <summary>A run starts from step 0.</summary>
    Started,
    /// <summary>A run continues from the newest checkpoint an interrupted session left.</summary>
    Resumed,
    /// <summary>A finished run with the same config hash: not run again.</summary>
    Reused,
    /// <summary>A run folder holding another config (the variant's settings changed) was renamed aside.</summary>
    SetAside,
    /// <summary>A logged training step (<see cref="AblationEvent.Log"/>).</summary>
    Step,
    /// <summary>A run finished; its record holds the metrics.</summary>
    Finished,
    /// <summary>A run stopped before its last step (cancelled); a checkpoint was written to resume from.</summary>
    Interrupted,
}

/// <summary>Progress of an ablation: run <see cref="Index"/> of <see cref="Count"/> (from 1), its variant, seed and folder.</summary>
public sealed record AblationEvent(AblationEventKind Kind, int Index, int Count, string Variant, long Seed, string RunDir, string Message)
{
    /// <summary>The trainer's log entry of a <see cref="AblationEventKind.Step"/> event.</summary>
    public LogEntry? Log { get; init; }

    public override string ToString() => $"[ablation {Index}/{Count}] {Variant} seed {Seed}: {Message}";

    /// <summary>A progress callback writing one line per event to the console's output as it is at each event (a notebook
    /// kernel redirects it per cell); step events only when <paramref name="steps"/>.</summary>
    public static Action<AblationEvent> ToConsole(bool steps = false) => e =>
    {
        if (steps || e.Kind != AblationEventKind.Step) Console.Out.WriteLine(e);
    };

    /// <summary>A progress callback writing one line per event to <paramref name="writer"/> (step events only when <paramref name="steps"/>).</summary>
    public static Action<AblationEvent> WriteTo(TextWriter writer, bool steps = false) => e =>
    {
        if (steps || e.Kind != AblationEventKind.Step) writer.WriteLine(e);
    };
}
