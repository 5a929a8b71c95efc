namespace DistillKit.Training.Recipes;

/// <summary>A recipe by name, for the registry and the CLI (configs as JSON).</summary>
public interface IRecipe
{
    string Name { get; }
    string Description { get; }
    Type ConfigType { get; }
    IRecipeConfig ForPreset(Preset preset, long seed = 0);

    /// <summary>A preset's config, its phases rescaled to <paramref name="totalSteps"/> when given, a config file
    /// merged over it and Key=Value settings applied (<see cref="ConfigOverrides"/>).</summary>
    IRecipeConfig Configure(Preset preset, long seed, string? configFile, IEnumerable<string> settings, long? totalSteps = null);

    /// <summary>Trains (resuming when possible), evaluates, writes the outputs and the run record.</summary>
    RecipeRun Train(IRecipeConfig config, RunOptions options);
}
