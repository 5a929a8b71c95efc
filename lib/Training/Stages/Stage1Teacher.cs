using DistillKit.Weights;
using System.Text.Json;
using DistillKit.Data.Flow;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Losses;
using DistillKit.Metrics;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages;

/// <summary>Held-out evaluation of a flow model against the zero-flow baseline (EPE per image, then averaged).</summary>
public sealed record FlowEvaluation(FlowErrorMetrics Model, FlowErrorMetrics ZeroFlow, OcclusionMetrics Occlusion, int Pairs);

/// <summary>
/// Stage 1 end to end: the unsupervised PWC-Net teacher on embedded synthetic pairs (DDFlow two-phase recipe).
/// The notebook and <c>./kit train stage1</c> both call <see cref="Train"/>.
/// </summary>
public static class Stage1Teacher
{
    /// <summary>Offset between the training and the held-out evaluation seeds.</summary>
    public const long EvalSeedOffset = 1_000_003;

    public static PwcNet CreateModel(Stage1Config config)
    {
        torch.manual_seed(config.Seed);
        return new PwcNet(config.Model);
    }

    /// <summary>The loss of one step: a batch drawn from (seed, step), augmented, both directions, DDFlow phase loss.</summary>
    public static Func<long, StepOutput> StepFunction(Stage1Config config, PwcNet model)
    {
        var source = PairSource(config);
        return step =>
        {
            var (raw1, raw2) = source(step);
            var draw = config.Augment.Sample(new Random(HashCode.Combine(config.Seed, step, 17)));
            var (image1, image2) = PairAugment.Apply(draw, raw1, raw2);
            var (flowFw, flowBw) = model.ForwardBoth(image1, image2);
            var phase = config.LossAt(step);
            Tensor loss;
            if (phase == Stage1Loss.PsiNoOcclusion)
            {
                loss = PhotometricTerms.Psi(image1, image2, flowFw) + PhotometricTerms.Psi(image2, image1, flowBw);
            }
            else
            {
                Tensor occFw, occBw;
                using (torch.no_grad()) (occFw, occBw) = ForwardBackward.Occlusion(flowFw, flowBw);
                loss = PhotometricTerms.Census(image1, image2, flowFw, occFw) + PhotometricTerms.Census(image2, image1, flowBw, occBw);
            }
            return new StepOutput(loss, new Dictionary<string, double> { ["phase"] = phase == Stage1Loss.PsiNoOcclusion ? 0 : 1 });
        };
    }

    /// <summary>The unlabelled training pairs of a step, [B,3,H,W] each, from (seed, step) only.</summary>
    static Func<long, (Tensor, Tensor)> PairSource(Stage1Config config)
    {
        if (config.TrainingData == Stage1Data.Synthetic)
        {
            var generator = new SyntheticFlowGenerator(config.Data, config.Seed);
            return step =>
            {
                var batch = generator.GenerateBatch(step * config.BatchSize, config.BatchSize);
                return (batch.Image1, batch.Image2); // the step's dispose scope frees the rest of the batch
            };
        }
        var root = config.DatasetRoot ?? throw new ArgumentException(
            $"stage 1 on {config.TrainingData} needs the dataset folder (DatasetRoot / --data DIR); see data-scripts/README.md");
        var pairs = config.TrainingData switch
        {
            Stage1Data.FlyingChairs => FlyingChairs.Open(root, FlyingChairsSplit.Train),
            _ => KittiMultiview.Open(root, KittiVersion.Kitti2015),
        };
        var sampler = new CropSampler(pairs, config.CropHeight, config.CropWidth, config.Seed);
        return step => sampler.Batch(step, config.BatchSize);
    }

    /// <summary>
    /// Trains (resuming from the newest checkpoint in <paramref name="outDir"/> when present), evaluates on held-out
    /// pairs, and writes <c>teacher.safetensors</c>, <c>config.json</c>, <c>log.jsonl</c> and <c>run.json</c>.
    /// </summary>
    public static (PwcNet model, TrainResult result, FlowEvaluation eval) Train(Stage1Config config, string outDir,
        Action<LogEntry>? onLog = null, bool resume = true, TextWriter? progress = null)
    {
        Directory.CreateDirectory(outDir);
        var started = DateTime.UtcNow;
        var model = CreateModel(config);
        if (config.InitCheckpoint is { } init)
        {
            var (initial, _) = Load(init);
            model.load_state_dict(initial.state_dict());
            initial.Dispose();
        }
        var configJson = JsonSerializer.Serialize(config, Json.Options);
        var trainer = new Trainer(config.Trainer, model, StepFunction(config, model), outDir, config.Seed, configJson)
        {
            OnLog = onLog,
            Name = $"stage1/{config.Preset}",
            Progress = progress ?? Console.Error,
        };
        var result = trainer.Run(resume);
        var eval = Evaluate(model, config);
        WeightFiles.Save(model, Path.Combine(outDir, "teacher.safetensors"));
        RunRecord.Write(Path.Combine(outDir, "run.json"), "stage1", config.Seed, config.Preset, configJson, started, result, eval);
        return (model, result, eval);
    }

    /// <summary>EPE all/noc/occ and Fl of the model and of zero flow, and the occlusion F-measure of its
    /// forward-backward check, on <see cref="Stage1Config.EvalPairs"/> held-out synthetic pairs.</summary>
    public static FlowEvaluation Evaluate(PwcNet model, Stage1Config config)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        var generator = new SyntheticFlowGenerator(config.Data, config.Seed + EvalSeedOffset);
        using var batch = generator.GenerateBatch(0, config.EvalPairs);
        var (fw, bw) = model.ForwardBoth(batch.Image1, batch.Image2);
        var (occFw, _) = ForwardBackward.Occlusion(fw, bw);
        var zero = torch.zeros_like(batch.FlowFw);
        return new FlowEvaluation(
            FlowErrors.Evaluate(fw, batch.FlowFw, batch.Valid, batch.OccFw),
            FlowErrors.Evaluate(zero, batch.FlowFw, batch.Valid, batch.OccFw),
            OcclusionFMeasure.Evaluate(occFw, batch.OccFw, batch.Valid),
            config.EvalPairs);
    }

    /// <summary>Loads a teacher saved by <see cref="Train"/> (reads the config beside it, or from a checkpoint).</summary>
    public static (PwcNet model, Stage1Config config) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such checkpoint: {path} (train one with ./kit train stage1)", path);
        Stage1Config config;
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json");
        if (Checkpoint.ReadMetadata(path).ContainsKey("config")) config = Checkpoint.Config<Stage1Config>(path);
        else if (File.Exists(configPath)) config = JsonSerializer.Deserialize<Stage1Config>(File.ReadAllText(configPath), Json.Options)!;
        else throw new InvalidDataException($"{path}: no config beside it ({configPath}) nor in its metadata");
        var model = new PwcNet(config.Model);
        var weights = WeightFiles.Read(path);
        try
        {
            StateDicts.LoadStrict(model, weights.Where(kv => !kv.Key.StartsWith(Checkpoint.OptimizerPrefix)).ToDictionary(kv => kv.Key, kv => kv.Value), path);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        model.eval();
        return (model, config);
    }
}
