using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Losses;
using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Models.FastFlow;
using DistillKit.Models.Raft;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages;

/// <summary>
/// What MDFlow's three steps share (METHODS.md section 5): term names, presets, the batches, the augmentor applied to a
/// pair and its target, the unsupervised terms of the teacher, and the held-out evaluation. Flows [B,2,H,W] in pixels
/// (u, v; forward maps frame 1 to frame 2); masks [B,1,H,W] with 1 = the pixel counts.
/// </summary>
public static class MdFlow
{
    public const string Photometric = "photometric", Smooth = "smooth", Ar = "ar", Sup = "sup";

    /// <summary>
    /// The photometric mix over every pixel, no occlusion mask: the teacher's warm-up term. Masked by its own
    /// forward-backward check from the first step, a randomly initialised FastFlowNet never leaves zero flow (mini,
    /// 600 steps: held-out EPE 2.078 against zero flow's 2.076), while unmasked it learns (1.089 at 600 steps); DDFlow
    /// and UFlow likewise switch occlusion handling on only after a first phase.
    /// </summary>
    public const string PhotometricUnmasked = "photometric-unmasked";

    /// <summary>
    /// Supervision of the synthetic pairs by their exact flow, ψ(w − w_gt) over both directions and the pixels whose flow
    /// is known (a mixed batch's synthetic rows; every pixel of a warm-up batch), as stage 1's
    /// <see cref="Stage1Recipe.Supervised"/>. Not in MDFlow (0 in the smoke, mini and paper phases; the laptop teacher
    /// init uses it, 1 in the warm-up and 0.2 after: held-out EPE 5.00 against 6.85 without it): an ablation knob
    /// (<c>--set Phases[1].Weights.exact=0.2</c>). Tried in the laptop teacher init (1 in the warm-up, 0.2 after, 2000
    /// steps, before <see cref="FastFlowNetConfig.CorrelationScale"/>) it did not help FastFlowNet mini: held-out real-texture EPE
    /// 7.60 against 7.24 without it (zero flow 8.58; stage 1's laptop PWC-Net, with its own such term, 4.96).
    /// </summary>
    public const string Exact = "exact";

    /// <summary>Stream keys of a step's draws (<see cref="SampleRandom.For"/>).</summary>
    public const long AugmentStream = 17, AugmentorStream = 31;

    /// <summary>Where each step writes under <c>runs/</c> by default, and its output file.</summary>
    public static string RunDir(string recipe, Preset preset) => Path.Combine("runs", $"{recipe}-{preset.ToString().ToLowerInvariant()}");
    public const string TeacherFile = "teacher.safetensors", StudentFile = "student.safetensors";

    /// <summary>The preset settings every step shares; each step sets its phases, optimiser and inputs.</summary>
    public static MdFlowConfig ForPreset(Preset preset, long seed) => preset switch
    {
        Preset.Smoke => new MdFlowConfig
        {
            Networks = new MdFlowNetworks { Teacher = FastFlowNetConfig.Smoke, Student = RaftConfig.Smoke },
            Data = new DistillData { Synthetic = SyntheticFlowConfig.Smoke with { Height = 64, Width = 64 }, BatchSize = 2, EvalPairs = 4 },
            Augmentor = new MdFlowAugmentor { CropHeight = 48, CropWidth = 48, Noise = new SuperpixelNoise { Segments = 50, MinFilled = 2, MaxFilled = 4 } },
            Loop = new LoopSettings { CheckpointEvery = 3, LogEvery = 1 },
            Run = new RunSettings { Preset = preset, Seed = seed },
        },
        Preset.Mini => new MdFlowConfig
        {
            Data = new DistillData { Synthetic = SyntheticFlowConfig.Mini with { Width = 128 }, BatchSize = 4, EvalPairs = 32 },
            // RAFT at stride 4: at stride 8 the mini motions (a few pixels) are under one cell of the 8×16 grid and the
            // student stayed near zero flow for 500 steps (held-out EPE 2.085; stride 4: 1.676 at lr 4e-4)
            Networks = new MdFlowNetworks { Student = RaftConfig.Mini with { FeatureStride = 4 } },
            Run = new RunSettings { Preset = preset, Seed = seed },
            Loop = new LoopSettings { CheckpointEvery = 250, LogEvery = 25 },
        },
        Preset.Paper => new MdFlowConfig
        {
            Networks = new MdFlowNetworks { Teacher = FastFlowNetConfig.Paper, Student = RaftConfig.Paper },
            Data = new DistillData { Synthetic = SyntheticFlowConfig.Paper with { Height = 384, Width = 512 }, BatchSize = 4, EvalPairs = 64 },
            Augmentor = new MdFlowAugmentor { CropHeight = 320, CropWidth = 448 },
            Losses = new MdFlowLosses { SmoothOrder = 1 },
            Loop = new LoopSettings { CheckpointEvery = 5000, LogEvery = 100 },
            Run = new RunSettings { Preset = preset, Seed = seed },
        },
        // real footage (issue: a teacher for real footage): stage 1's laptop pairs without its warm-up, 2 real crops of
        // 128×160 (frame gaps 1 and 2) + 2 real-texture synthetic pairs per batch; FastFlowNet pads to 128×192. RAFT at
        // stride 8 (motions of tens of pixels; a 16×20 grid), the augmentor's crop 112×144. The teacher init warms up on
        // small synthetic pairs first (below).
        Preset.Laptop => new MdFlowConfig
        {
            Networks = new MdFlowNetworks { Teacher = FastFlowNetConfig.Mini with { CorrelationScale = 100 }, Student = RaftConfig.Mini },
            Data = DistillData.From(new Stage1Recipe().ForPreset(Preset.Laptop, seed).Data),
            Augmentor = new MdFlowAugmentor { CropHeight = 112, CropWidth = 144 },
            Loop = new LoopSettings { CheckpointEvery = 250, LogEvery = 25 },
            Run = new RunSettings { Preset = preset, Seed = seed },
        },
        _ => throw new ArgumentException($"MDFlow has no {preset} preset yet (smoke, mini, laptop, paper)"),
    };

    /// <summary>
    /// The unlabelled batch of a step, flipped and channel-permuted, from (seed, step) only: stage 1's batch source
    /// (<see cref="Stage1Recipe.BatchSource"/>) over <see cref="MdFlowConfig.Data"/>, its ground truth dropped unless
    /// <paramref name="exactFlow"/> (then the synthetic rows keep their flows [B,2,H,W] and <c>Valid</c> [B,1,H,W], 1 =
    /// flow known; real rows have Valid 0), for the <see cref="Exact"/> term.
    /// </summary>
    public static Func<long, FlowBatch> Batches(MdFlowConfig config, DataRoots? roots = null, bool exactFlow = false)
    {
        var source = Stage1Recipe.BatchSource(AsStage1(config), roots ?? new DataRoots());
        return step =>
        {
            using var raw = source(step);
            using var kept = new FlowBatch(raw.Image1.alias(), raw.Image2.alias())
            {
                FlowFw = exactFlow ? raw.FlowFw?.alias() : null, FlowBw = exactFlow ? raw.FlowBw?.alias() : null, Valid = exactFlow ? raw.Valid?.alias() : null,
            };
            return PairAugment.Apply(config.Data.Augment.Sample(SampleRandom.For(config.Run.Seed, AugmentStream, step)), kept);
        };
    }

    /// <summary>Stage 1's view of the config (data section and run settings): batches and held-out pairs come from there.</summary>
    static Stage1Config AsStage1(MdFlowConfig config) => new() { Run = config.Run, Data = config.Data.AsStage1() };

    /// <summary>
    /// A(I) and A(target) for a supervision term: the pair with the target flow and mask attached as the batch's
    /// teacher fields (mask 1 = supervised, carried as occlusion 1 − mask) goes through the augmentor's geometry, the
    /// corruption touches the images only. Returns the network's input pair, the moved target flow and the moved mask.
    /// </summary>
    public static (Tensor Image1, Tensor Image2, Tensor Target, Tensor Mask) Augment(MdFlowAugmentor augmentor, FlowBatch pair, Tensor target, Tensor mask, SampleRandom rng)
    {
        var a = AugmentWithExact(augmentor, pair, target, mask, rng);
        a.ExactFlow?.Dispose();
        a.ExactValid?.Dispose();
        return (a.Image1, a.Image2, a.Target, a.Mask);
    }

    /// <summary>
    /// <see cref="Augment"/>, and the pair's own exact flow [B,2,H,W] and <c>Valid</c> [B,1,H,W] (1 = flow known) moved by
    /// the same geometry (the joint transforms move every field of the batch together; null where the pair has none),
    /// for the <see cref="Exact"/> term.
    /// </summary>
    public static (Tensor Image1, Tensor Image2, Tensor Target, Tensor Mask, Tensor? ExactFlow, Tensor? ExactValid) AugmentWithExact(
        MdFlowAugmentor augmentor, FlowBatch pair, Tensor target, Tensor mask, SampleRandom rng)
    {
        using var scope = torch.NewDisposeScope();
        var carried = JointFields.WithImages(pair, pair.Image1.alias(), pair.Image2.alias()) with
        {
            TeacherFlowFw = target.detach(), TeacherOccFw = 1 - mask.detach(),
        };
        var moved = augmentor.Geometry().Apply(carried, rng);
        var seen = augmentor.Corruption().Apply(moved, rng);
        var result = (seen.Image1, seen.Image2, FlowBatch.Require(moved.TeacherFlowFw, "TeacherFlowFw"), 1 - FlowBatch.Require(moved.TeacherOccFw, "TeacherOccFw"),
            moved.FlowFw, moved.Valid);
        scope.MoveToOuter(result.Item1, result.Item2, result.Item3, result.Item4);
        if (result.FlowFw is not null) scope.MoveToOuter(result.FlowFw);
        if (result.Valid is not null) scope.MoveToOuter(result.Valid);
        return result;
    }

    /// <summary>A phase with the <see cref="Exact"/> term added where <paramref name="exact"/> is not 0 (its name says so).</summary>
    public static LossPhase WithExact(string name, long steps, Dictionary<string, double> weights, double exact)
    {
        if (exact == 0) return new LossPhase(name, steps, weights);
        weights[Exact] = exact;
        return new LossPhase(name + " + exact flow", steps, weights);
    }

    /// <summary>A frozen network's flows on a pair and its forward non-occlusion mask (no gradient, eval mode).</summary>
    public static (Tensor Fw, Tensor Bw, Tensor NocFw) Predict(IFlowModel net, FlowBatch pair)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (fw, bw) = FlowInference.Predict(net, pair.Image1, pair.Image2);
        var (occFw, _) = ForwardBackward.Occlusion(fw, bw);
        var noc = 1 - occFw;
        scope.MoveToOuter(fw, bw, noc);
        return (fw, bw, noc);
    }

    /// <summary>
    /// The teacher's own terms on (I1, I2), both directions in one pass: ARFlow's photometric mix masked by the
    /// forward-backward occlusion (<see cref="Photometric"/>) or over every pixel (<see cref="PhotometricUnmasked"/>), and edge-aware smoothness of flow / min(H, W). Adds what the phase weighs to
    /// <paramref name="terms"/>; returns the weighted sum, the flows (with gradient) and the forward non-occlusion mask.
    /// </summary>
    public static (Tensor Loss, Tensor Fw, Tensor NocFw) TeacherTerms(IFlowModel teacher, FlowBatch pair, MdFlowLosses losses, LossPhase phase, Dictionary<string, double> terms)
    {
        var (fw, bw) = FlowInference.ForwardBothPadded(teacher, pair.Image1, pair.Image2);
        Tensor occFw, occBw;
        using (torch.no_grad()) (occFw, occBw) = ForwardBackward.Occlusion(fw, bw);
        Tensor loss = torch.zeros(1).squeeze();
        if (phase.Weight(Photometric) != 0)
        {
            var photo = PhotometricTerms.Arflow(pair.Image1, pair.Image2, fw, occFw, losses.Photometric)
                        + PhotometricTerms.Arflow(pair.Image2, pair.Image1, bw, occBw, losses.Photometric);
            terms[Photometric] = photo.ToDouble();
            loss = loss + phase.Weight(Photometric) * photo;
        }
        if (phase.Weight(PhotometricUnmasked) != 0)
        {
            var photo = PhotometricTerms.Arflow(pair.Image1, pair.Image2, fw, null, losses.Photometric)
                        + PhotometricTerms.Arflow(pair.Image2, pair.Image1, bw, null, losses.Photometric);
            terms[PhotometricUnmasked] = photo.ToDouble();
            loss = loss + phase.Weight(PhotometricUnmasked) * photo;
        }
        if (phase.Weight(Smooth) != 0)
        {
            double scale = 1.0 / Math.Min(pair.Image1.size(2), pair.Image1.size(3));
            Func<Tensor, Tensor, Tensor> smooth = losses.SmoothOrder == 1
                ? (f, i) => Smoothness.FirstOrder(f * scale, i, losses.SmoothAlpha)
                : (f, i) => Smoothness.SecondOrder(f * scale, i, losses.SmoothAlpha);
            var s = smooth(fw, pair.Image1) + smooth(bw, pair.Image2);
            terms[Smooth] = s.ToDouble();
            loss = loss + phase.Weight(Smooth) * s;
        }
        if (phase.Weight(Exact) != 0)
        {
            var truthFw = FlowBatch.Require(pair.FlowFw, $"FlowFw (the {Exact} term needs synthetic pairs: MdFlow.Batches(config, roots, exactFlow: true))");
            var truthBw = FlowBatch.Require(pair.FlowBw, $"FlowBw (the {Exact} term needs synthetic pairs)");
            var valid = FlowBatch.Require(pair.Valid, $"Valid (the {Exact} term needs synthetic pairs)");
            var exact = RobustPenalty.Psi(fw - truthFw, valid) + RobustPenalty.Psi(bw - truthBw, valid);
            terms[Exact] = exact.ToDouble();
            loss = loss + phase.Weight(Exact) * exact;
        }
        return (loss, fw, 1 - occFw);
    }

    /// <summary>
    /// A supervision term for a FastFlowNet-like network: L_sup(net(A(I)), A(target); A(mask)), forward flow, padded to
    /// the network's multiple. Adds the unweighted value under <paramref name="name"/>.
    /// </summary>
    public static Tensor SupervisedOnAugmented(IFlowModel net, MdFlowConfig config, FlowBatch pair, Tensor target, Tensor mask, SampleRandom rng,
        string name, Dictionary<string, double> terms)
    {
        var (a1, a2, aTarget, aMask) = Augment(config.Augmentor, pair, target, mask, rng);
        var predicted = FlowInference.ForwardPadded(net, a1, a2);
        var sup = MutualDistillation.Supervision(predicted, aTarget, aMask, config.Losses.SupEps, config.Losses.SupQ);
        terms[name] = sup.ToDouble();
        return sup;
    }

    /// <summary>The held-out synthetic pairs (seed + <see cref="Stage1Recipe.EvalSeedOffset"/>), never trained on;
    /// real-texture configs read the Photos dataset.</summary>
    public static FlowBatch HeldOut(MdFlowConfig config, DataRoots? roots = null) =>
        Stage1Recipe.HeldOut(AsStage1(config), config.Data.EvalPairs, roots);

    /// <summary>
    /// A FastFlowNet drawn from the run seed with <see cref="FastFlowNet.BilinearStart"/> where
    /// <see cref="MdFlowNetworks.TeacherBilinearStart"/> says so (or loaded from <paramref name="init"/>), in train mode.
    /// </summary>
    public static FastFlowNet CreateTeacher(MdFlowConfig config, string? init)
    {
        var net = new FastFlowNet(config.Networks.Teacher, config.Run.Seed);
        if (init is null && config.Networks.TeacherBilinearStart) net.BilinearStart();
        if (init is not null) Checkpoint.LoadWeights(net, RequireFile(init, "teacher", "mdflow-teacher-init", config.Run.Preset));
        net.train();
        return net;
    }

    /// <summary>A RAFT drawn from the run seed (or loaded from <paramref name="init"/>), in train mode.</summary>
    public static Raft CreateStudent(MdFlowConfig config, string? init)
    {
        var net = new Raft(config.Networks.Student, config.Run.Seed);
        if (init is not null) Checkpoint.LoadWeights(net, RequireFile(init, "student", "mdflow-forward", config.Run.Preset));
        net.train();
        return net;
    }

    /// <summary>A frozen network from a previous step's output (eval mode, no gradients).</summary>
    public static IFlowModel LoadFrozen(string path, string what, string recipe, Preset preset)
    {
        var net = FlowModels.Load(RequireFile(path, what, recipe, preset));
        foreach (var p in net.AsModule.parameters()) p.requires_grad = false;
        return net;
    }

    static string RequireFile(string path, string what, string recipe, Preset preset) => File.Exists(path) ? path
        : throw new FileNotFoundException($"MDFlow: the {what} checkpoint {path} does not exist; train it first (./kit train {recipe} --preset {preset.ToString().ToLowerInvariant()}) or point Inputs at one", path);
}

/// <summary>The held-out evaluations a step reports (same pairs): the trained network first, then the others it used.</summary>
public sealed record MdFlowEvaluation(IReadOnlyDictionary<string, FlowEvaluation> Models);

/// <summary>
/// MDFlow step 1, teacher initialisation: FastFlowNet trained with ARFlow's photometric and smoothness terms on (I1, I2)
/// plus the augmentation regularisation L_sup(T(A(I)), A(F); A(noc)), the teacher's own flow F detached.
/// Output: <c>teacher.safetensors</c>.
/// </summary>
public sealed class MdFlowTeacherInitRecipe : Recipe<MdFlowConfig>
{
    public override string Name => "mdflow-teacher-init";
    public override string Description => "MDFlow step 1: FastFlowNet teacher from photometric + smoothness + augmentation regularisation";

    /// <summary>
    /// A warm-up of <paramref name="warmup"/> steps on the unmasked photometric term alone, then <paramref name="steps"/>
    /// on the masked photometric term, smoothness and the augmentation regularisation. The occlusion mask, the smoothness
    /// and the regularisation all need a flow worth checking first: from a random start (mini, seed 0, 300 steps), the
    /// masked photometric term drives the flow to 10 px of error, and the unmasked one with smoothness at 50 stays on
    /// zero flow (held-out EPE 2.074 against zero flow's 2.076), while the unmasked term alone reaches 1.201.
    /// <paramref name="exactWarmup"/> and <paramref name="exact"/> weigh the synthetic pairs' exact flow
    /// (<see cref="MdFlow.Exact"/>; 0 in MDFlow's own phases; the laptop preset uses 1 and 0.2).
    /// </summary>
    public static IReadOnlyList<LossPhase> Phases(long warmup, long steps, double smooth = 50, double ar = 0.01, double exactWarmup = 0, double exact = 0)
        =>
        [
            .. warmup > 0 ? [MdFlow.WithExact("teacher warm-up: unmasked photometric", warmup, new() { [MdFlow.PhotometricUnmasked] = 1 }, exactWarmup)] : Array.Empty<LossPhase>(),
            MdFlow.WithExact("teacher init: photometric + smooth + ar", steps, new() { [MdFlow.Photometric] = 1, [MdFlow.Smooth] = smooth, [MdFlow.Ar] = ar }, exact),
        ];

    /// <summary>Steps of the laptop preset: the unmasked warm-up, then the full terms (the mini schedule's shape on stage 1's
    /// laptop pairs; not tuned yet).</summary>
    public const long LaptopWarmupSteps = 600, LaptopSteps = 1400;

    /// <summary>The laptop preset's weight of the synthetic rows' exact flow after the warm-up (kit choice, as stage 1's
    /// laptop preset; the backward step keeps it).</summary>
    public const double LaptopExact = 0.2;

    public override MdFlowConfig ForPreset(Preset preset, long seed = 0)
    {
        var config = MdFlow.ForPreset(preset, seed);
        return preset switch
        {
            Preset.Smoke => config with { Phases = Phases(3, 3), Optim = new OptimConfig { LearningRate = 1e-3 } },
            Preset.Mini => config with
            {
                Phases = Phases(600, 600, ar: 0.05),
                Optim = new OptimConfig { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [900], Gamma = 0.5, ClipNorm = 10 },
            },
            // the warm-up phase on whole batches of small smooth synthetic pairs (64×96, as stage 1's laptop warm-up): on the
            // laptop batches from the start the teacher stayed at zero flow (2000 steps: real-texture EPE 8.60, zero 8.58).
            // The network's CorrelationScale 100 (MdFlow.ForPreset) lets it learn in the warm-up (unmasked photometric 0.157
            // → 0.093 at step 600); no AR term: with it (0.05) the masked photometric collapsed at step 675 to every pixel
            // occluded (loss 0, no gradient back), without it the run is stable (held-out EPE 6.85, zero 9.02); the
            // synthetic rows' exact flow as a term (1 in the warm-up, 0.2 after; stage 1's laptop form) brings it to 5.00
            // (real-texture pairs 4.94 against 6.67; photometric error on real frames 2.86 against 3.23)
            Preset.Laptop => config with
            {
                Data = config.Data with { WarmupSteps = LaptopWarmupSteps, Warmup = SyntheticFlowConfig.Mini },
                Phases = Phases(LaptopWarmupSteps, LaptopSteps, ar: 0, exactWarmup: 1, exact: LaptopExact),
                Optim = new OptimConfig { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [LaptopWarmupSteps + LaptopSteps * 2 / 3], Gamma = 0.5, ClipNorm = 10 },
            },
            _ => config with { Phases = Phases(50_000, 250_000), Optim = new OptimConfig { LearningRate = 2e-4, Schedule = ScheduleKind.Step, StepSize = 100_000, Gamma = 0.5 } },
        };
    }

    public override RecipeSetup Setup(MdFlowConfig config, RunOptions options)
    {
        var teacher = MdFlow.CreateTeacher(config, config.Run.Init);
        var batches = MdFlow.Batches(config, options.Data, exactFlow: config.Phases.Any(p => p.Weight(MdFlow.Exact) != 0));
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", teacher, config.Optim)],
            Step = step =>
            {
                using var pair = batches(step);
                var (phase, _) = LossPhases.At(config.Phases, step);
                var terms = new Dictionary<string, double>();
                var (loss, fw, noc) = MdFlow.TeacherTerms(teacher, pair, config.Losses, phase, terms);
                if (phase.Weight(MdFlow.Ar) != 0)
                {
                    var rng = SampleRandom.For(config.Run.Seed, MdFlow.AugmentorStream, step);
                    loss = loss + phase.Weight(MdFlow.Ar) * MdFlow.SupervisedOnAugmented(teacher, config, pair, fw.detach(), noc, rng, MdFlow.Ar, terms);
                }
                return new StepOutput(loss, terms);
            },
            Evaluate = () =>
            {
                using var heldOut = MdFlow.HeldOut(config, options.Data);
                return new MdFlowEvaluation(new Dictionary<string, FlowEvaluation> { ["teacher"] = FlowEvaluations.Of(teacher, heldOut) });
            },
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? _ => { using var h = MdFlow.HeldOut(config, options.Data); return FlowEvaluations.Of(teacher, h).AsMetrics(); } : null,
            Outputs = new Dictionary<string, string> { ["model"] = MdFlow.TeacherFile },
            OutputModels = new Dictionary<string, object> { ["model"] = config.Networks.Teacher },
        };
    }
}

/// <summary>
/// MDFlow step 2, teacher → student: the frozen teacher's flow F_T on (I1, I2) and its reliable mask
/// M = [census distance of I1 and warp(I2, F_T) ≤ τ] ⊙ noc_T; RAFT learns only from L_sup over its sequence of
/// predictions on A(I): Σ_i γ^(N−i) L_sup(S_i(A(I)), A(F_T); A(M)) (the laptop preset adds the synthetic rows' exact flow
/// as a second sequence term, <see cref="LaptopExact"/>). Output: <c>student.safetensors</c>.
/// </summary>
public sealed class MdFlowForwardRecipe : Recipe<MdFlowConfig>
{
    public override string Name => "mdflow-forward";
    public override string Description => "MDFlow step 2: RAFT student from the FastFlowNet teacher's reliable matches (census check ≤ τ and non-occluded)";

    /// <summary>The step's one phase: L_sup on the teacher's reliable matches, and with <paramref name="exact"/> &gt; 0 the
    /// synthetic rows' exact flow as a second sequence term (<see cref="MdFlow.Exact"/>; not in MDFlow, the laptop preset's
    /// choice).</summary>
    public static IReadOnlyList<LossPhase> Phases(long steps, double exact = 0) =>
        [MdFlow.WithExact("forward: sup (reliable teacher matches)", steps, new() { [MdFlow.Sup] = 1 }, exact)];

    /// <summary>Steps of the laptop preset. With L_sup alone the RAFT student stayed at zero flow (held-out EPE 9.006 and
    /// 9.029 against zero flow's 9.019): the reliable mask keeps about 40 % of the pixels, mostly static ones (teacher flow
    /// 0.9–1.2 px kept against 5–5.5 px dropped, measured on the training batches). With the synthetic rows' exact flow
    /// beside it (<see cref="LaptopExact"/>): 7.00 after 1200 steps (exact flow alone: 7.18; exact weight 0.25: 7.23),
    /// 5.81 after 2400 (2284 s on one core beside another training; 0.60 s a step on 2 cores alone, about 24 minutes).</summary>
    public const long LaptopSteps = 2400;

    /// <summary>The laptop preset's weight of the exact-flow term (kit choice, not in MDFlow).</summary>
    public const double LaptopExact = 1;

    public override MdFlowConfig ForPreset(Preset preset, long seed = 0)
    {
        var config = MdFlow.ForPreset(preset, seed);
        config = config with { Inputs = config.Inputs with { Teacher = Path.Combine(MdFlow.RunDir("mdflow-teacher-init", preset), MdFlow.TeacherFile) } };
        return preset switch
        {
            Preset.Smoke => config with { Phases = Phases(6), Optim = new OptimConfig { LearningRate = 4e-4 } },
            // lr 1e-3 rather than RAFT's 4e-4: held-out EPE after 500 steps 0.933 against 1.693 (2e-3 stayed near zero flow)
            Preset.Mini => config with
            {
                Phases = Phases(800),
                Optim = new OptimConfig { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [600], Gamma = 0.5, ClipNorm = 1 },
            },
            Preset.Laptop => config with
            {
                Phases = Phases(LaptopSteps, exact: LaptopExact),
                Optim = new OptimConfig { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [LaptopSteps * 3 / 4], Gamma = 0.5, ClipNorm = 1 },
            },
            _ => config with { Phases = Phases(200_000), Optim = new OptimConfig { LearningRate = 4e-4, Schedule = ScheduleKind.Step, StepSize = 100_000, Gamma = 0.5, ClipNorm = 1 } },
        };
    }

    public override RecipeSetup Setup(MdFlowConfig config, RunOptions options)
    {
        var teacherPath = config.Inputs.Teacher ?? throw new ArgumentException("mdflow-forward: Inputs.Teacher is not set (the output of mdflow-teacher-init)");
        var teacher = MdFlow.LoadFrozen(teacherPath, "teacher", "mdflow-teacher-init", config.Run.Preset);
        var student = MdFlow.CreateStudent(config, config.Run.Init);
        // the synthetic rows' exact flow feeds the log's teacher-epe terms always, the loss only through the Exact term
        var batches = MdFlow.Batches(config, options.Data, exactFlow: true);
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", student, config.Optim)],
            Step = step =>
            {
                using var pair = batches(step);
                var terms = new Dictionary<string, double>();
                var (fw, bw, noc) = MdFlow.Predict(teacher, pair);
                var reliable = MutualDistillation.ReliableMask(pair.Image1, pair.Image2, fw, noc, config.Losses.Tau);
                LogTeacherTargets(fw, reliable, terms, pair.FlowFw, pair.Valid);
                var (phase, _) = LossPhases.At(config.Phases, step);
                Tensor loss = torch.zeros(1).squeeze();
                var rng = SampleRandom.For(config.Run.Seed, MdFlow.AugmentorStream, step);
                // one augmentor draw moves the teacher's target and the pair's exact flow together
                var (a1, a2, target, mask, exactFlow, exactValid) = MdFlow.AugmentWithExact(config.Augmentor, pair, fw, reliable, rng);
                var sequence = FlowInference.SequencePadded(a1, a2, student.SizeMultiple, (x, y) => student.ForwardSequence(x, y));
                if (phase.Weight(MdFlow.Sup) != 0)
                {
                    var sup = SequenceSupervision(sequence, target, mask, config.Losses);
                    terms[MdFlow.Sup] = sup.ToDouble();
                    terms[MdFlow.Sup + AtZeroFlow] = AtZero(sequence.Count, target, mask, config.Losses);
                    loss = loss + phase.Weight(MdFlow.Sup) * sup;
                }
                if (phase.Weight(MdFlow.Exact) != 0)
                {
                    var exactTarget = FlowBatch.Require(exactFlow, $"FlowFw (the {MdFlow.Exact} term needs synthetic pairs)");
                    var exactMask = FlowBatch.Require(exactValid, $"Valid (the {MdFlow.Exact} term needs synthetic pairs)");
                    var term = SequenceSupervision(sequence, exactTarget, exactMask, config.Losses);
                    terms[MdFlow.Exact] = term.ToDouble();
                    terms[MdFlow.Exact + AtZeroFlow] = AtZero(sequence.Count, exactTarget, exactMask, config.Losses);
                    loss = loss + phase.Weight(MdFlow.Exact) * term;
                }
                return new StepOutput(loss, terms);
            },
            Evaluate = () =>
            {
                using var heldOut = MdFlow.HeldOut(config, options.Data);
                return new MdFlowEvaluation(new Dictionary<string, FlowEvaluation>
                {
                    ["student"] = FlowEvaluations.Of(student, heldOut), ["teacher"] = FlowEvaluations.Of(teacher, heldOut),
                });
            },
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? _ => { using var h = MdFlow.HeldOut(config, options.Data); return FlowEvaluations.Of(student, h).AsMetrics(); } : null,
            Outputs = new Dictionary<string, string> { ["model"] = MdFlow.StudentFile },
            OutputModels = new Dictionary<string, object> { ["model"] = config.Networks.Student },
        };
    }

    /// <summary>
    /// What the log shows of the teacher's targets: <c>kept</c>, the fraction of pixels the reliable mask keeps;
    /// <c>teacher-length-kept</c> and <c>teacher-length-dropped</c>, the mean length in pixels of the teacher's forward flow [B,2,H,W] on the
    /// kept and on the dropped pixels (a mask that keeps only the static pixels teaches zero flow). Where the batch carries
    /// exact flow (<paramref name="truthFw"/> [B,2,H,W], <paramref name="valid"/> [B,1,H,W], 1 = known: the synthetic rows),
    /// also <c>teacher-epe-kept</c> and <c>teacher-epe-dropped</c>, the teacher's end-point error there.
    /// </summary>
    public static void LogTeacherTargets(Tensor teacherFw, Tensor reliable, Dictionary<string, double> terms, Tensor? truthFw = null, Tensor? valid = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var length = teacherFw.square().sum(1, keepdim: true).sqrt();
        var dropped = 1 - reliable;
        terms["kept"] = reliable.mean().ToDouble();
        terms["teacher-length-kept"] = ((length * reliable).sum() / reliable.sum().clamp_min(1)).ToDouble();
        terms["teacher-length-dropped"] = ((length * dropped).sum() / dropped.sum().clamp_min(1)).ToDouble();
        if (truthFw is null || valid is null) return;
        var epe = (teacherFw - truthFw).square().sum(1, keepdim: true).sqrt();
        var keptValid = reliable * valid;
        var droppedValid = dropped * valid;
        terms["teacher-epe-kept"] = ((epe * keptValid).sum() / keptValid.sum().clamp_min(1)).ToDouble();
        terms["teacher-epe-dropped"] = ((epe * droppedValid).sum() / droppedValid.sum().clamp_min(1)).ToDouble();
    }

    /// <summary>Suffix of the log terms that give a supervision term's value for a student predicting zero flow on the same
    /// batch (a student at or above it has learned nothing from that term).</summary>
    public const string AtZeroFlow = "@zero";

    static double AtZero(int iterations, Tensor target, Tensor mask, MdFlowLosses losses)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var zero = torch.zeros_like(target);
        return SequenceSupervision(Enumerable.Repeat(zero, iterations).ToArray(), target, mask, losses).ToDouble();
    }

    /// <summary>Σ_i γ^(N−i) L_sup(f_i, target; mask) over a RAFT sequence f_1..f_N (RAFT's sequence weighting).</summary>
    public static Tensor SequenceSupervision(IReadOnlyList<Tensor> sequence, Tensor target, Tensor mask, MdFlowLosses losses)
    {
        Tensor total = torch.zeros(1).squeeze();
        int n = sequence.Count;
        for (int i = 0; i < n; i++)
            total = total + Math.Pow(losses.SequenceGamma, n - 1 - i) * MutualDistillation.Supervision(sequence[i], target, mask, losses.SupEps, losses.SupQ);
        return total;
    }
}

/// <summary>
/// MDFlow step 3, student → teacher: the teacher keeps its photometric and smoothness terms on (I1, I2) and learns from
/// the frozen student's flow F_S on the augmented pair: L_sup(T(A(I)), A(F_S); A(noc_T)). Output: <c>teacher.safetensors</c>.
/// </summary>
public sealed class MdFlowBackwardRecipe : Recipe<MdFlowConfig>
{
    public override string Name => "mdflow-backward";
    public override string Description => "MDFlow step 3: the FastFlowNet teacher learns from the RAFT student (photometric + smoothness + supervision)";

    /// <summary>Steps of the laptop preset (the mini schedule's shape; not tuned yet).</summary>
    public const long LaptopSteps = 400;

    /// <summary>The step's one phase: photometric + smoothness + L_sup to the student's flow, and with
    /// <paramref name="exact"/> &gt; 0 the synthetic rows' exact flow (<see cref="MdFlow.Exact"/>; not in MDFlow: the laptop
    /// preset keeps the weight its teacher init trained with, so step 3 does not drop a term the teacher learned from).</summary>
    public static IReadOnlyList<LossPhase> Phases(long steps, double smooth = 50, double sup = 0.05, double exact = 0) =>
        [MdFlow.WithExact("backward: photometric + smooth + sup (student flow)", steps, new() { [MdFlow.Photometric] = 1, [MdFlow.Smooth] = smooth, [MdFlow.Sup] = sup }, exact)];

    public override MdFlowConfig ForPreset(Preset preset, long seed = 0)
    {
        var config = MdFlow.ForPreset(preset, seed);
        config = config with
        {
            Inputs = new MdFlowInputs
            {
                Teacher = Path.Combine(MdFlow.RunDir("mdflow-teacher-init", preset), MdFlow.TeacherFile),
                Student = Path.Combine(MdFlow.RunDir("mdflow-forward", preset), MdFlow.StudentFile),
            },
        };
        return preset switch
        {
            Preset.Smoke => config with { Phases = Phases(6), Optim = new OptimConfig { LearningRate = 1e-3 } },
            // 300 steps keep the three mini steps within 15 minutes on 2 cores (1200 + 800 + 300 steps)
            Preset.Mini => config with
            {
                Phases = Phases(300),
                Optim = new OptimConfig { LearningRate = 5e-4, Schedule = ScheduleKind.MultiStep, Milestones = [200], Gamma = 0.5, ClipNorm = 10 },
            },
            Preset.Laptop => config with
            {
                Phases = Phases(LaptopSteps, exact: MdFlowTeacherInitRecipe.LaptopExact),
                Optim = new OptimConfig { LearningRate = 5e-4, Schedule = ScheduleKind.MultiStep, Milestones = [LaptopSteps * 2 / 3], Gamma = 0.5, ClipNorm = 10 },
            },
            _ => config with { Phases = Phases(200_000), Optim = new OptimConfig { LearningRate = 1e-4, Schedule = ScheduleKind.Step, StepSize = 100_000, Gamma = 0.5 } },
        };
    }

    public override RecipeSetup Setup(MdFlowConfig config, RunOptions options)
    {
        var teacherPath = config.Inputs.Teacher ?? throw new ArgumentException("mdflow-backward: Inputs.Teacher is not set (the output of mdflow-teacher-init)");
        var studentPath = config.Inputs.Student ?? throw new ArgumentException("mdflow-backward: Inputs.Student is not set (the output of mdflow-forward)");
        var teacher = MdFlow.CreateTeacher(config, config.Run.Init ?? teacherPath);
        var initial = MdFlow.LoadFrozen(teacherPath, "teacher", "mdflow-teacher-init", config.Run.Preset);
        var student = MdFlow.LoadFrozen(studentPath, "student", "mdflow-forward", config.Run.Preset);
        var batches = MdFlow.Batches(config, options.Data, exactFlow: config.Phases.Any(p => p.Weight(MdFlow.Exact) != 0));
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", teacher, config.Optim)],
            Step = step =>
            {
                using var pair = batches(step);
                var (phase, _) = LossPhases.At(config.Phases, step);
                var terms = new Dictionary<string, double>();
                var (loss, _, noc) = MdFlow.TeacherTerms(teacher, pair, config.Losses, phase, terms);
                if (phase.Weight(MdFlow.Sup) != 0)
                {
                    Tensor studentFw;
                    using (torch.no_grad()) studentFw = FlowInference.PredictForward(student, pair.Image1, pair.Image2);
                    var rng = SampleRandom.For(config.Run.Seed, MdFlow.AugmentorStream, step);
                    loss = loss + phase.Weight(MdFlow.Sup) * MdFlow.SupervisedOnAugmented(teacher, config, pair, studentFw, noc.detach(), rng, MdFlow.Sup, terms);
                }
                return new StepOutput(loss, terms);
            },
            Evaluate = () =>
            {
                using var heldOut = MdFlow.HeldOut(config, options.Data);
                return new MdFlowEvaluation(new Dictionary<string, FlowEvaluation>
                {
                    ["teacher"] = FlowEvaluations.Of(teacher, heldOut),
                    ["initial teacher"] = FlowEvaluations.Of(initial, heldOut),
                    ["student"] = FlowEvaluations.Of(student, heldOut),
                });
            },
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? _ => { using var h = MdFlow.HeldOut(config, options.Data); return FlowEvaluations.Of(teacher, h).AsMetrics(); } : null,
            Outputs = new Dictionary<string, string> { ["model"] = MdFlow.TeacherFile },
            OutputModels = new Dictionary<string, object> { ["model"] = config.Networks.Teacher },
        };
    }
}
