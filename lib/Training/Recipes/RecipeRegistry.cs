namespace DistillKit.Training.Recipes;

/// <summary>The recipes by name: <c>./kit train NAME</c> and notebooks look them up here.</summary>
public static class RecipeRegistry
{
    static readonly Dictionary<string, IRecipe> Recipes = new(StringComparer.OrdinalIgnoreCase);

    static RecipeRegistry()
    {
        Register(new Stages.Stage1Recipe());
        Register(new Stages.DistillFlowStudentRecipe());
        Register(new Stages.MdFlowTeacherInitRecipe());
        Register(new Stages.MdFlowForwardRecipe());
        Register(new Stages.MdFlowBackwardRecipe());
        Register(new Stages.Pmd.PmdTeacherRecipe());
        Register(new Stages.Pmd.PmdTeacherKeypointsRecipe());
        Register(new Stages.Pmd.PmdStudentRecipe());
    }

    public static void Register(IRecipe recipe) => Recipes[recipe.Name] = recipe;

    public static IReadOnlyList<IRecipe> All => Recipes.Values.OrderBy(r => r.Name).ToList();

    public static IRecipe Get(string name) => Recipes.TryGetValue(name, out var r) ? r
        : throw new ArgumentException($"unknown recipe '{name}'; available: {string.Join(", ", Recipes.Keys.Order())}");

    /// <summary>A preset's config with a config file merged over it and Key=Value settings applied (see <see cref="IRecipe.Configure"/>).</summary>
    public static IRecipeConfig Configure(IRecipe recipe, Preset preset, long seed, string? configFile, IEnumerable<string> settings, long? totalSteps = null) =>
        recipe.Configure(preset, seed, configFile, settings, totalSteps);

    /// <summary>Parses a preset name (smoke, mini, laptop, paper).</summary>
    public static Preset ParsePreset(string name) => Enum.TryParse<Preset>(name, ignoreCase: true, out var p) && Enum.IsDefined(p) ? p
        : throw new ArgumentException($"unknown preset '{name}': use smoke, mini, laptop or paper");
}
