using System.Text.Json;
using DistillKit.Runtime;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace DistillKit.Training.Recipes;

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

    public IRecipeConfig Configure(Preset preset, long seed, string? configFile, IEnumerable<string> settings, long? totalSteps = null)
    {
        var config = ForPreset(preset, seed);
        if (totalSteps is { } n) config = ConfigOverrides.WithTotalSteps(config, n);
        return ConfigOverrides.Apply(config, configFile, settings);
    }

    /// <summary>Builds the run's modules (initialised from <see cref="RunSettings.Init"/> when set), step function and evaluations.</summary>
    public abstract RecipeSetup Setup(TConfig config, RunOptions options);

    RecipeRun IRecipe.Train(IRecipeConfig config, RunOptions options) =>
        Train(config as TConfig ?? throw new ArgumentException($"recipe {Name} takes a {typeof(TConfig).Name}, got {config.GetType().Name}"), options);

    public RecipeRun Train(TConfig config, RunOptions options)
    {
        using var runLock = RunLock.Acquire(options.OutDir, options.Warnings);  // one training per output folder, outputs included
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
            Warnings = options.Warnings,
            Lock = runLock,
        };
        var result = trainer.Run(options.Resume, options.Cancel);
        var evaluation = setup.Evaluate();
        try
        {
            WriteOutputs(setup, options.OutDir, configJson);
            RunRecord.Write(Path.Combine(options.OutDir, "run.json"), Name, config.Run.Seed, config.Run.Preset.ToString().ToLowerInvariant(),
                configJson, started, result, evaluation);
        }
        catch (OutputWriteException e)
        {
            throw e.With(result.LastCheckpoint is null ? "" : $"The training is done and its checkpoint {result.LastCheckpoint} is whole: " +
                "fix the cause and run the same command again; it resumes at the end and writes the outputs.");
        }
        return new RecipeRun(Name, options.OutDir, setup.Parts.ToDictionary(p => p.Name, p => p.Module), result, evaluation);
    }

    /// <summary>The trained weights (<see cref="RecipeSetup.Outputs"/>) and, for the parts that need it, the network's
    /// config beside them; each file replaced whole (<see cref="AtomicFile"/>).</summary>
    static void WriteOutputs(RecipeSetup setup, string outDir, string configJson)
    {
        foreach (var (part, file) in setup.Outputs)
        {
            var path = Path.Combine(outDir, file);
            var module = setup.Parts.First(p => p.Name == part).Module;
            AtomicFile.WriteVia(path, $"the trained weights of {part}", tmp => WeightFiles.Save(module, tmp, WeightFiles.FormatOf(path)));
            if (setup.OutputModels.TryGetValue(part, out var model))
            {
                var runConfig = System.Text.Json.Nodes.JsonNode.Parse(configJson)!.AsObject();
                runConfig["Model"] = JsonSerializer.SerializeToNode(model, model.GetType(), Json.Options);
                AtomicFile.WriteText(Models.FlowModels.ModelConfigPath(path), $"the network config of {part}", runConfig.ToJsonString(Json.Options));
            }
        }
    }
}
