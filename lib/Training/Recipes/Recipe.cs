using System.Text.Json;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace DistillKit.Training.Recipes;

/// <summary>What a recipe hands the runner for one run: its modules, step function, evaluations and outputs.</summary>
public sealed class RecipeSetup
{
    /// <summary>The trained modules with their optimizers (saved together in every checkpoint).</summary>
    public required IReadOnlyList<TrainPart> Parts { get; init; }

    /// <summary>The loss of a step; randomness from (seed, step) only.</summary>
    public required Func<long, StepOutput> Step { get; init; }

    /// <summary>The held-out evaluation after training (the run record's metrics).</summary>
    public required Func<object> Evaluate { get; init; }

    /// <summary>Metrics by name during training (every <see cref="LoopSettings.EvaluateEvery"/> steps and at the end); optional.</summary>
    public Func<long, IReadOnlyDictionary<string, double>>? EvaluateDuring { get; init; }

    /// <summary>Called at the end of each epoch; optional.</summary>
    public Action<long>? OnEpochEnd { get; init; }

    /// <summary>Weight files written at the end: part name → file name in the run folder (e.g. model → teacher.safetensors).</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();
}

/// <summary>How the runner runs a recipe: output folder, resume, callbacks, dataset roots.</summary>
public sealed record RunOptions
{
    public required string OutDir { get; init; }

    /// <summary>Resume from the newest checkpoint in <see cref="OutDir"/> (default); false starts afresh and deletes old checkpoints.</summary>
    public bool Resume { get; init; } = true;

    public Action<LogEntry>? OnLog { get; init; }
    public Action<EvalEntry>? OnEvaluate { get; init; }

    /// <summary>Progress lines (default: standard error); null silences them.</summary>
    public TextWriter? Progress { get; init; } = Console.Error;

    /// <summary>Where real datasets are; default: environment and the local settings file.</summary>
    public DataRoots Data { get; init; } = new();

    /// <summary>Record a digest of every step's batch in the log (for determinism checks).</summary>
    public bool TraceBatches { get; init; }
}

/// <summary>The result of a run: the trained modules by part name, the loop's result and the evaluation.</summary>
public sealed record RecipeRun(string Recipe, string OutDir, IReadOnlyDictionary<string, Module> Models, TrainResult Result, object Evaluation) : IDisposable
{
    public void Dispose()
    {
        foreach (var m in Models.Values) m.Dispose();
    }
}

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

/// <summary>
/// A stage of a paper as a recipe: presets of its config, and the setup of a run (modules, step function,
/// evaluation). The runner (<see cref="Train(TConfig, RunOptions)"/>) does the rest: creation, resume, checkpoints,
/// progress, evaluation hooks, outputs and the run record. The notebook and <c>./kit train NAME</c> call the same entry.
/// </summary>
public abstract class Recipe<TConfig> : IRecipe where TConfig : class, IRecipeConfig
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public Type ConfigType => typeof(TConfig);

    public abstract TConfig ForPreset(Preset preset, long seed = 0);
    IRecipeConfig IRecipe.ForPreset(Preset preset, long seed) => ForPreset(preset, seed);

    /// <summary>Builds the run's modules (initialised from <see cref="RunSettings.Init"/> when set), step function and evaluations.</summary>
    public abstract RecipeSetup Setup(TConfig config, RunOptions options);

    RecipeRun IRecipe.Train(IRecipeConfig config, RunOptions options) =>
        Train(config as TConfig ?? throw new ArgumentException($"recipe {Name} takes a {typeof(TConfig).Name}, got {config.GetType().Name}"), options);

    public RecipeRun Train(TConfig config, RunOptions options)
    {
        Directory.CreateDirectory(options.OutDir);
        var started = DateTime.UtcNow;
        var configJson = JsonSerializer.Serialize(config, Json.Options);
        var setup = Setup(config, options);
        var steps = LossPhases.Total(config.Phases);
        var trainer = new Trainer(config.Loop.ToTrainer(steps, setup.Parts[0].Optim), setup.Parts, setup.Step, options.OutDir, config.Run.Seed, configJson)
        {
            OnLog = options.OnLog,
            Evaluate = setup.EvaluateDuring,
            OnEvaluate = options.OnEvaluate,
            OnEpochEnd = setup.OnEpochEnd,
            Name = $"{Name}/{config.Run.Preset.ToString().ToLowerInvariant()}",
            Progress = options.Progress,
        };
        var result = trainer.Run(options.Resume);
        var evaluation = setup.Evaluate();
        foreach (var (part, file) in setup.Outputs)
            WeightFiles.Save(setup.Parts.First(p => p.Name == part).Module, Path.Combine(options.OutDir, file));
        RunRecord.Write(Path.Combine(options.OutDir, "run.json"), Name, config.Run.Seed, config.Run.Preset.ToString().ToLowerInvariant(),
            configJson, started, result, evaluation);
        return new RecipeRun(Name, options.OutDir, setup.Parts.ToDictionary(p => p.Name, p => p.Module), result, evaluation);
    }

    /// <summary>Loads the weights named by <see cref="RunSettings.Init"/> into <paramref name="module"/> (strictly; a checkpoint's optimizer state is ignored).</summary>
    protected static void LoadInit(Module module, string path)
    {
        var weights = WeightFiles.Read(path);
        try
        {
            StateDicts.LoadStrict(module, weights.Where(kv => !kv.Key.StartsWith(Checkpoint.OptimizerPrefix)).ToDictionary(kv => kv.Key, kv => kv.Value), path);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}

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
