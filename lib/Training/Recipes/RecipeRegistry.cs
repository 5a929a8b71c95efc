namespace DistillKit.Training.Recipes;

/// <summary>The recipes by name: <c>./kit train NAME</c> and notebooks look them up here.</summary>
public static class RecipeRegistry
{
    static readonly Dictionary<string, IRecipe> Recipes = new(StringComparer.OrdinalIgnoreCase);

    static RecipeRegistry() => Register(new Stages.Stage1Recipe());

    public static void Register(IRecipe recipe) => Recipes[recipe.Name] = recipe;

    public static IReadOnlyList<IRecipe> All => Recipes.Values.OrderBy(r => r.Name).ToList();

    public static IRecipe Get(string name) => Recipes.TryGetValue(name, out var r) ? r
        : throw new ArgumentException($"unknown recipe '{name}'; available: {string.Join(", ", Recipes.Keys.Order())}");

    /// <summary>A preset's config with a config file merged over it and Key=Value settings applied.</summary>
    public static IRecipeConfig Configure(IRecipe recipe, Preset preset, long seed, string? configFile, IEnumerable<string> settings, long? totalSteps = null)
    {
        var config = recipe.ForPreset(preset, seed);
        var method = typeof(RecipeRegistry).GetMethod(nameof(ConfigureTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(recipe.ConfigType);
        try
        {
            return (IRecipeConfig)method.Invoke(null, [config, configFile, settings, totalSteps])!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    static T ConfigureTyped<T>(T config, string? configFile, IEnumerable<string> settings, long? totalSteps) where T : class, IRecipeConfig
    {
        if (totalSteps is { } n) config = ConfigOverrides.WithTotalSteps(config, n);
        return ConfigOverrides.Apply(config, configFile, settings);
    }

    /// <summary>Parses a preset name (smoke, mini, laptop, paper).</summary>
    public static Preset ParsePreset(string name) => Enum.TryParse<Preset>(name, ignoreCase: true, out var p) && Enum.IsDefined(p) ? p
        : throw new ArgumentException($"unknown preset '{name}': use smoke, mini, laptop or paper");
}
