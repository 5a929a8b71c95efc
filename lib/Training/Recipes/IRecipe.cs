namespace DistillKit.Training.Recipes;

/// <summary>A recipe by name, for the registry and the CLI (configs as JSON).</summary>
public interface IRecipe
{
    string Name { get; }
    string Description { get; }
    Type ConfigType { get; }
    IRecipeConfig ForPreset(Preset preset, long seed = 0);

    /// <summary>Trains (resuming when possible), evaluates, writes the outputs and the run record.</summary>
    RecipeRun Train(IRecipeConfig config, RunOptions options);
}
