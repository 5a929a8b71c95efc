using DistillKit.Models.Pwc;
using DistillKit.Data;
using DistillKit.Data.Flow;
using DistillKit.Data.Synthetic;
using DistillKit.Data.Video;
using DistillKit.Geometry;
using DistillKit.Losses;
using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages;

/// <summary>
/// Stage 1 end to end: the unsupervised PWC-Net teacher (DDFlow two-phase recipe, METHODS.md section 3) on embedded
/// synthetic pairs or a real dataset. <c>./kit train stage1</c> and notebook 01 both run it through
/// <see cref="RecipeRegistry"/>; its output is <c>teacher.safetensors</c> with <c>config.json</c> beside it.
/// </summary>
public sealed class Stage1Recipe : Recipe<Stage1Config>
{
    /// <summary>Offset between the training and the held-out evaluation seeds.</summary>
    public const long EvalSeedOffset = 1_000_003;

    /// <summary>Stream key of the augmentation draws (see <see cref="SampleRandom.For"/>).</summary>
    public const long AugmentStream = 17;

    /// <summary>Phase lengths of the laptop preset (18–26 minutes on 2 cores: 1062 s and 1069 s alone on 2026-12-05): ψ for LaptopPsiSteps, of which the first
    /// LaptopWarmupSteps on small smooth synthetic pairs (<see cref="Stage1Data.WarmupSteps"/>), then census.</summary>
    public const long LaptopWarmupSteps = 1500, LaptopPsiSteps = 2000, LaptopCensusSteps = 3500;

    /// <summary>Weight of <see cref="Smooth"/> in the laptop preset's census phase: real footage has large textureless and
    /// ambiguous regions where census alone leaves noisy flow.</summary>
    public const double LaptopSmoothWeight = 0.5;

    public const string Psi = "psi";
    public const string Census = "census";

    /// <summary>Edge-aware first-order smoothness of both flows (<see cref="Smoothness.FirstOrder"/>, α = 10, flow in
    /// pixels), the regulariser UFlow and ARFlow add to the photometric terms; 0 in DDFlow's own phases.</summary>
    public const string Smooth = "smooth";

    /// <summary>
    /// Supervision of the synthetic pairs by their exact flow: ψ(w − w_gt) (<see cref="RobustPenalty.Psi"/>, the form
    /// DistillFlow distils with) over both directions and the pixels whose flow is known (<see cref="FlowBatch.Valid"/>:
    /// a mixed batch's synthetic rows; every pixel of a synthetic batch). Real rows get only the unsupervised terms. Not in
    /// DDFlow (0 in its phases): the laptop preset adds it so that a 30-minute CPU run learns large motions from exact flow
    /// the way supervised flow networks pretrain on FlyingChairs, and learns real appearance from footage without labels.
    /// </summary>
    public const string Supervised = "sup";

    /// <summary>Weight of <see cref="Supervised"/> in the laptop preset's ψ phase, and in its census phase: the exact flow
    /// teaches motion first, then mostly the footage's census decides (at weight 1 throughout, held-out real-texture EPE
    /// was 4.12 instead of 4.86, but the flow on real frames grew blobs in dark flat regions and its fw-bw consistent
    /// rate fell from 96.2% to 91.7%).</summary>
    public const double LaptopSupervisedWeight = 1, LaptopSupervisedWeightCensus = 0.2;

    public override string Name => "stage1";
    public override string Description => "DistillFlow stage 1: unsupervised PWC-Net teacher (DDFlow: ψ photometric, then census with fw-bw occlusion)";

    /// <summary>DDFlow's two phases: ψ without occlusion for <paramref name="psiSteps"/>, then census with occlusion.</summary>
    public static IReadOnlyList<LossPhase> DDFlowPhases(long psiSteps, long censusSteps) =>
    [
        new LossPhase("A: psi, no occlusion", psiSteps, new() { [Psi] = 1 }),
        new LossPhase("B: census, fw-bw occlusion", censusSteps, new() { [Census] = 1 }),
    ];

    public override Stage1Config ForPreset(Preset preset, long seed = 0)
    {
        var optim = new OptimConfig { LearningRate = 1e-4, Schedule = ScheduleKind.Step, StepSize = 80_000, Gamma = 0.5 };
        var config = preset switch
        {
            Preset.Smoke => new Stage1Config
            {
                Model = PwcNetConfig.Smoke,
                Data = new Stage1Data { Synthetic = SyntheticFlowConfig.Smoke, BatchSize = 2, EvalPairs = 4 },
                Phases = DDFlowPhases(4, 4),
                Optim = optim with { LearningRate = 1e-3 },
                Loop = new LoopSettings { CheckpointEvery = 4, LogEvery = 2 },
            },
            Preset.Mini => new Stage1Config
            {
                Model = PwcNetConfig.Mini,
                Data = new Stage1Data { Synthetic = SyntheticFlowConfig.Mini, BatchSize = 4, EvalPairs = 32 },
                Phases = DDFlowPhases(2500, 2500),
                Optim = optim with { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [2500, 4000], Gamma = 0.5, ClipNorm = 10 },
                Loop = new LoopSettings { CheckpointEvery = 500, LogEvery = 50 },
            },
            Preset.Paper => new Stage1Config
            {
                Model = PwcNetConfig.Paper,
                Data = new Stage1Data { Source = Stage1Source.FlyingChairs, Synthetic = SyntheticFlowConfig.Paper, BatchSize = 4, EvalPairs = 64 },
                Phases = DDFlowPhases(100_000, 300_000),
                Optim = optim,
                Loop = new LoopSettings { CheckpointEvery = 5000, LogEvery = 100 },
            },
            Preset.Laptop => new Stage1Config
            {
                Model = PwcNetConfig.Mini,
                Data = new Stage1Data
                {
                    Source = Stage1Source.Footage, Synthetic = SyntheticFlowConfig.Laptop, SyntheticPerBatch = 2, BatchSize = 4,
                    CropHeight = SyntheticFlowConfig.Laptop.Height, CropWidth = SyntheticFlowConfig.Laptop.Width, EvalPairs = 32,
                    Footage = new FootageOptions { Height = 240, FrameGaps = [1, 2] },
                    WarmupSteps = LaptopWarmupSteps, Warmup = SyntheticFlowConfig.Mini,
                },
                Phases =
                [
                    new LossPhase("A: psi, no occlusion; exact flow of synthetic pairs (smooth warm-up, then footage + real-texture pairs)", LaptopPsiSteps,
                        new() { [Psi] = 1, [Supervised] = LaptopSupervisedWeight }),
                    new LossPhase("B: census, fw-bw occlusion, edge-aware smoothness; exact flow of synthetic pairs", LaptopCensusSteps,
                        new() { [Census] = 1, [Smooth] = LaptopSmoothWeight, [Supervised] = LaptopSupervisedWeightCensus }),
                ],
                Optim = optim with { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [LaptopPsiSteps + LaptopCensusSteps * 2 / 3], Gamma = 0.5, ClipNorm = 10 },
                Loop = new LoopSettings { CheckpointEvery = 250, LogEvery = 25 },
            },
        };
        return config with { Run = new RunSettings { Preset = preset, Seed = seed } };
    }

    public override RecipeSetup Setup(Stage1Config config, RunOptions options)
    {
        var model = CreateModel(config);
        if (config.Run.Init is { } init) Checkpoint.LoadWeights(model, init);
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", model, config.Optim)],
            Step = StepFunction(config, model, options.Data, options.TraceBatches),
            Evaluate = () => Evaluate(model, config, options.Data),
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? _ => Evaluate(model, config, options.Data).AsMetrics() : null,
            Outputs = new Dictionary<string, string> { ["model"] = "teacher.safetensors" },
        };
    }

    /// <summary>A PWC-Net with the config's architecture, initialised from the run seed alone (<see cref="SeededInit"/>).</summary>
    public static PwcNet CreateModel(Stage1Config config) => SeededInit.Apply(new PwcNet(config.Model), config.Run.Seed);

    /// <summary>
    /// The loss of one step: the step's batch from (seed, step), flipped and channel-permuted with a draw from
    /// (seed, step), both directions in one pass, and the phase's weighted terms (<see cref="Psi"/>, <see cref="Census"/>).
    /// </summary>
    public static Func<long, StepOutput> StepFunction(Stage1Config config, PwcNet model, DataRoots? roots = null, bool traceBatches = false)
    {
        var source = BatchSource(config, roots ?? new DataRoots());
        return step =>
        {
            var draw = config.Data.Augment.Sample(SampleRandom.For(config.Run.Seed, AugmentStream, step));
            var batch = PairAugment.Apply(draw, source(step));
            var (flowFw, flowBw) = model.ForwardBoth(batch.Image1, batch.Image2);
            var (phase, _) = LossPhases.At(config.Phases, step);
            var terms = new Dictionary<string, double>();
            Tensor loss = torch.zeros(1).squeeze();
            if (phase.Weight(Psi) != 0)
            {
                var psi = PhotometricTerms.Psi(batch.Image1, batch.Image2, flowFw) + PhotometricTerms.Psi(batch.Image2, batch.Image1, flowBw);
                terms[Psi] = psi.ToDouble();
                loss = loss + phase.Weight(Psi) * psi;
            }
            if (phase.Weight(Census) != 0)
            {
                Tensor occFw, occBw;
                using (torch.no_grad()) (occFw, occBw) = ForwardBackward.Occlusion(flowFw, flowBw);  // a mask, not a path for gradients
                var census = PhotometricTerms.Census(batch.Image1, batch.Image2, flowFw, occFw) + PhotometricTerms.Census(batch.Image2, batch.Image1, flowBw, occBw);
                terms[Census] = census.ToDouble();
                loss = loss + phase.Weight(Census) * census;
            }
            if (phase.Weight(Smooth) != 0)
            {
                var smooth = Smoothness.FirstOrder(flowFw, batch.Image1) + Smoothness.FirstOrder(flowBw, batch.Image2);
                terms[Smooth] = smooth.ToDouble();
                loss = loss + phase.Weight(Smooth) * smooth;
            }
            if (phase.Weight(Supervised) != 0)
            {
                var truthFw = FlowBatch.Require(batch.FlowFw, "FlowFw (the Supervised term needs synthetic pairs)");
                var truthBw = FlowBatch.Require(batch.FlowBw, "FlowBw (the Supervised term needs synthetic pairs)");
                var sup = RobustPenalty.Psi(flowFw - truthFw, batch.Valid) + RobustPenalty.Psi(flowBw - truthBw, batch.Valid);
                terms[Supervised] = sup.ToDouble();
                loss = loss + phase.Weight(Supervised) * sup;
            }
            return new StepOutput(loss, terms) { BatchDigest = traceBatches ? batch.Digest() : null };
        };
    }

    /// <summary>
    /// The unlabelled training batch of a step, from (seed, step) only: synthetic pairs, real crops, or (real source with
    /// <see cref="Stage1Data.SyntheticPerBatch"/> &gt; 0) real crops followed by synthetic pairs in one batch; during the
    /// first <see cref="Stage1Data.WarmupSteps"/> steps, warm-up pairs (<see cref="Stage1Data.Warmup"/>).
    /// </summary>
    public static Func<long, FlowBatch> BatchSource(Stage1Config config, DataRoots roots)
    {
        var main = MainSource(config, roots);
        var data = config.Data;
        if (data.WarmupSteps <= 0) return main;
        var warmup = new SyntheticFlowGenerator(data.Warmup, config.Run.Seed);
        return step => step < data.WarmupSteps ? warmup.GenerateBatch(step * data.BatchSize, data.BatchSize) : main(step);
    }

    static Func<long, FlowBatch> MainSource(Stage1Config config, DataRoots roots)
    {
        var data = config.Data;
        if (data.Source == Stage1Source.Synthetic)
        {
            var generator = Generator(config, config.Run.Seed, roots);
            return step => generator.GenerateBatch(step * data.BatchSize, data.BatchSize);
        }
        IReadOnlyList<FlowPair> pairs = data.Source switch
        {
            Stage1Source.FlyingChairs => FlyingChairs.Open(roots.Resolve("FlyingChairs", "data-scripts/get-flyingchairs.sh"), FlyingChairsSplit.Train),
            Stage1Source.Footage => OpenFootage(config, roots).Train,
            _ => KittiMultiview.Open(roots.Resolve("Kitti2015", "data-scripts/get-kitti2015.sh --multiview"), KittiVersion.Kitti2015),
        };
        if (pairs.Count == 0) throw new InvalidDataException($"stage1: the {data.Source} source has no training pairs");
        var sampler = new CropSampler(pairs, data.CropHeight, data.CropWidth, config.Run.Seed);
        int synthetic = data.SyntheticPerBatch;
        if (synthetic <= 0) return step => sampler.Batch(step, data.BatchSize);
        if (synthetic >= data.BatchSize)
            throw new ArgumentException($"Data.SyntheticPerBatch {synthetic} must be smaller than Data.BatchSize {data.BatchSize} (the rest are real pairs)");
        if (data.Synthetic.Height != data.CropHeight || data.Synthetic.Width != data.CropWidth)
            throw new ArgumentException($"Data.Synthetic is {data.Synthetic.Width}×{data.Synthetic.Height} but the real crops are {data.CropWidth}×{data.CropHeight}: " +
                "mixed batches need one size (set Data.Synthetic.Height/Width or Data.CropHeight/Width)");
        var mixed = Generator(config, config.Run.Seed, roots);
        return step =>
        {
            using var real = sampler.Batch(step, data.BatchSize - synthetic);
            using var synth = mixed.GenerateBatch(step * synthetic, synthetic);
            // the real rows have no flow: zeros there, Valid 0 (so only the synthetic rows' exact flow supervises)
            Tensor Flows(Tensor? f) => torch.cat([torch.zeros_like(real.Image1[.., ..2]), FlowBatch.Require(f, "synthetic flow")], 0);
            var valid = torch.cat([torch.zeros_like(real.Image1[.., ..1]), FlowBatch.Require(synth.Valid, "synthetic Valid")], 0);
            return new FlowBatch(torch.cat([real.Image1, synth.Image1], 0), torch.cat([real.Image2, synth.Image2], 0))
            {
                FlowFw = Flows(synth.FlowFw), FlowBw = Flows(synth.FlowBw), Valid = valid,
            };
        };
    }

    /// <summary>The synthetic generator of a config under <paramref name="seed"/>; real-texture configs load the Photos
    /// dataset's photographs (data-scripts/get-footage.sh fills data/Photos).</summary>
    public static SyntheticFlowGenerator Generator(Stage1Config config, long seed, DataRoots? roots = null)
    {
        var photos = config.Data.Synthetic.PhotoProbability > 0
            ? PhotoLibrary.Load((roots ?? new DataRoots()).Resolve("Photos", "data-scripts/get-footage.sh"))
            : null;
        return new SyntheticFlowGenerator(config.Data.Synthetic, seed, photos);
    }

    /// <summary>The footage of the Footage dataset (a video, a frame folder or a folder of them), split as the config says.</summary>
    public static FootageIndex OpenFootage(Stage1Config config, DataRoots? roots = null) =>
        Footage.Open([(roots ?? new DataRoots()).Resolve("Footage", "data-scripts/get-footage.sh", allowFile: true)], config.Data.Footage);

    /// <summary>EPE all/noc/occ and Fl of the model and of zero flow, and the occlusion F-measure of its forward-backward
    /// check, on <see cref="Stage1Data.EvalPairs"/> held-out synthetic pairs (seed + <see cref="EvalSeedOffset"/>).</summary>
    public static FlowEvaluation Evaluate(PwcNet model, Stage1Config config, DataRoots? roots = null)
    {
        using var batch = HeldOut(config, config.Data.EvalPairs, roots);
        return FlowEvaluations.Of(model, batch);
    }

    /// <summary>The first <paramref name="count"/> held-out synthetic pairs (never seen in training).</summary>
    public static FlowBatch HeldOut(Stage1Config config, int count, DataRoots? roots = null) =>
        Generator(config, config.Run.Seed + EvalSeedOffset, roots).GenerateBatch(0, count);
}
