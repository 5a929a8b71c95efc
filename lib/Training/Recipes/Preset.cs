namespace DistillKit.Training.Recipes;

/// <summary>The presets every stage runs under (DESIGN.md, Presets).</summary>
public enum Preset
{
    /// <summary>Seconds: tiny images and models; proves every path executes.</summary>
    Smoke,

    /// <summary>Minutes on 2 CPU cores with embedded synthetic data; the method's effect is visible.</summary>
    Mini,

    /// <summary>About 30 minutes per stage on 2 CPU cores with real footage mixed in.</summary>
    Laptop,

    /// <summary>The paper's architecture, resolution, schedule and datasets; meant for a GPU.</summary>
    Paper,
}
