using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Synthetic;
using DistillKit.Losses;
using DistillKit.Models.Pmd;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>
/// PMD's probabilistic teacher (METHODS.md §6) end to end: single training images (both images of every training pair,
/// keypoints unused), each warped by a random synthetic warp with its exact flow (<see cref="SyntheticWarpPairs"/>; PMD:
/// θ = I + N(0, 0.15²)) and colour-jittered; the teacher matches the warped image (source) to the clean one (target), whose
/// features come from the cache, and its K hypotheses regress the warp's flow at the layer3 cell centres
/// (<see cref="CellGrid.FromPixelFlow"/>) with a KL of its attention to the prior (<see cref="PmdTeacherConfig"/>).
/// After each epoch the mean of its hypotheses is scored on validation pairs; the best is kept. Output:
/// <c>teacher.safetensors</c> (<see cref="SemanticMatcherFile"/>), and held-out PCK of the teacher and of the zero flow.
/// </summary>
public class PmdTeacherRecipe : Recipe<PmdTeacherConfig>
{
    public const string Flow = "flow", Kl = "kl", Keypoints = "keypoints";

    /// <summary>Stream keys of the step's draws.</summary>
    public const long ShuffleStream = 41, WarpStream = 43, NoiseStream = 47, PairShuffleStream = 53, PairNoiseStream = 59;

    public const string OutputFile = "teacher.safetensors";

    public override string Name => "pmd-teacher";
    public override string Description => "PMD: the probabilistic teacher (stochastic channel attention, K hypotheses) on synthetic warps of single images";

    /// <summary>One phase: flow regression (weight 1) and the prior KL (<paramref name="kl"/>).</summary>
    public static IReadOnlyList<LossPhase> TeacherPhases(long steps, double kl = PmdTeacherLoss.DefaultKlWeight) =>
        [new LossPhase("teacher: flow regression + prior KL", steps, new() { [Flow] = 1, [Kl] = kl })];

    /// <summary>Where <c>./kit train pmd-teacher --preset P</c> writes by default.</summary>
    public static string DefaultOutput(Preset preset) => Path.Combine("runs", $"pmd-teacher-{preset.ToString().ToLowerInvariant()}", OutputFile);

    /// <summary>The teacher of <paramref name="config"/> trained, the sources of its loss terms set up once per run.</summary>
    sealed class StepState(PmdTeacherConfig config, PmdRunParts parts, PmdTeacher teacher)
    {
        public PmdTeacherConfig Config { get; } = config;
        public PmdRunParts Parts { get; } = parts;
        public PmdTeacher Teacher { get; } = teacher;

        /// <summary>Training pairs' keypoints, normalised (source, target) [N,2], read once per pair.</summary>
        public Dictionary<int, (Tensor Source, Tensor Target)> Keypoints { get; } = [];
    }

    public override PmdTeacherConfig ForPreset(Preset preset, long seed = 0)
    {
        var config = preset switch
        {
            Preset.Smoke => new PmdTeacherConfig
            {
                Model = PmdConfig.Smoke,
                Data = PmdPresets.SmokeData,
                Phases = TeacherPhases(4),
                Optim = new OptimConfig { LearningRate = 1e-4 },
                Loop = new LoopSettings { CheckpointEvery = 2, LogEvery = 1, EvaluateEvery = 2, StepsPerEpoch = 2 },
            },
            Preset.Mini => new PmdTeacherConfig
            {
                Model = PmdPresets.MiniModel,
                Data = PmdPresets.MiniData,
                Phases = TeacherPhases(PmdPresets.MiniTeacherSteps),
                Optim = new OptimConfig { LearningRate = PmdPresets.MiniTeacherLearningRate, ClipNorm = 10 },
                Loop = PmdPresets.MiniTeacherLoop,
            },
            Preset.Paper => new PmdTeacherConfig
            {
                Model = PmdConfig.Paper,
                Data = PmdPresets.PaperData,
                Phases = TeacherPhases(PmdPresets.PaperEpochs * PmdPresets.PaperStepsPerEpoch),
                Optim = PmdPresets.PaperOptim,
                Loop = PmdPresets.PaperLoop,
            },
            Preset.Laptop => new PmdTeacherConfig
            {
                Model = PmdPresets.LaptopModel,
                Data = PmdPresets.LaptopData,
                Phases = TeacherPhases(PmdPresets.LaptopTeacherSteps),
                Optim = new OptimConfig { LearningRate = PmdPresets.MiniTeacherLearningRate, ClipNorm = 10 },
                Loop = PmdPresets.LaptopLoop,
            },
            _ => throw new ArgumentException($"pmd-teacher has no {preset} preset (smoke, mini, laptop, paper)"),
        };
        return config with { Run = new RunSettings { Preset = preset, Seed = seed } };
    }

    public override RecipeSetup Setup(PmdTeacherConfig config, RunOptions options)
    {
        long seed = config.Run.Seed;
        var parts = PmdRunParts.Create(config.Model, config.Backbone, config.Data, seed, options);
        var teacher = new PmdTeacher(config.Model, seed);
        if (config.Run.Init is { } init) Checkpoint.LoadWeights(teacher, init);
        var state = new StepState(config, parts, teacher);
        var log = PmdValidationLog.Open(options.OutDir, options.Resume);
        var configJson = System.Text.Json.JsonSerializer.Serialize(config, Json.Options);
        bool rewound = false;
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", teacher, config.Optim)],
            Step = step =>
            {
                if (!rewound) { log.RewindTo(step); rewound = true; }
                return parts.Timed(() => Step(state, step));
            },
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? at =>
            {
                rewound = true;
                var pck = PmdEvaluations.Of(parts.Validation, config.Data.ValidationPairs, parts.Cache, config.Data.EvalBatchSize,
                    new Dictionary<string, PmdFlowFunction> { [PmdEvaluations.TeacherMean] = PmdEvaluations.TeacherMeanFlow(teacher, seed, PmdSplit.Validation) });
                double value = pck[PmdEvaluations.TeacherMean].At(config.Selection.Alpha);
                bool improved = log.Record(at, value, teacher, seed, configJson);
                return new Dictionary<string, double> { [$"val pck@{config.Selection.Alpha}"] = value, ["improved"] = improved ? 1 : 0 };
            } : null,
            Evaluate = () =>
            {
                long? selected = Select(config.Selection, log, teacher, options);
                teacher.eval();
                var rows = PmdEvaluations.Of(parts.Test, config.Data.TestPairs, parts.Cache, config.Data.EvalBatchSize, new Dictionary<string, PmdFlowFunction>
                {
                    [PmdEvaluations.TeacherMean] = PmdEvaluations.TeacherMeanFlow(teacher, seed, PmdSplit.Test),
                    [PmdEvaluations.TeacherMeanMode] = PmdEvaluations.MatcherFlow(teacher),
                    [PmdEvaluations.Identity] = PmdEvaluations.IdentityFlow,
                });
                long steps = LossPhases.Total(config.Phases);
                SemanticMatcherFile.Save(Path.Combine(options.OutDir, OutputFile), teacher, selected ?? steps, seed, configJson);
                var (mean, median) = parts.StepTimes();
                return new PmdEvaluation
                {
                    Split = parts.Test.Name, Pairs = rows.Values.First().Pairs, Pck = rows,
                    Validation = log.Entries.ToDictionary(e => e.Step, e => e.Value), SelectedStep = selected,
                    MeanStepMs = mean, MedianStepMs = median, CacheHits = parts.Cache.Hits, CacheMisses = parts.Cache.Misses,
                };
            },
        };
    }

    /// <summary>Loads the best validation's weights into <paramref name="matcher"/> when the selection says so; returns its step.</summary>
    internal static long? Select(PmdSelection selection, PmdValidationLog log, ISemanticMatcher matcher, RunOptions options)
    {
        if (!selection.BestValidation) return null;
        if (log.BestPath() is not { } best)
        {
            if (log.Entries.Count > 0) options.Warnings?.WriteLine($"PMD: the best validation's weights are gone; the output holds the last weights");
            return null;
        }
        using var chosen = SemanticMatcherFile.Load(best);
        using (torch.no_grad())
        {
            var from = chosen.AsModule.state_dict();
            foreach (var (name, tensor) in matcher.AsModule.state_dict()) tensor.copy_(from[name]);
        }
        return log.Best!.Step;
    }

    /// <summary>
    /// The loss of one step: the terms of the step's phase, each on its own batch. <c>flow</c> (and <c>kl</c>): B training
    /// images warped, the teacher's hypotheses on (warped, clean) against the exact flow. <c>keypoints</c>: B annotated
    /// training pairs as they are (both images' features cached), the hypotheses' correlations against the keypoints.
    /// The KL is taken on the warped batch, or on the pairs when the phase has no flow term.
    /// </summary>
    static StepOutput Step(StepState state, long step)
    {
        var (phase, _) = LossPhases.At(state.Config.Phases, step);
        var terms = new Dictionary<string, double>();
        Tensor loss = torch.zeros(1).squeeze();
        bool warped = phase.Weight(Flow) != 0 || phase.Weight(Keypoints) == 0;
        PmdHypotheses? forKl = null;
        if (warped)
        {
            var (h, flow, valid) = WarpedBatch(state, step);
            terms[Flow] = flow.ToDouble();
            terms["valid"] = valid;
            loss = loss + phase.Weight(Flow) * flow;
            forKl = h;
        }
        if (phase.Weight(Keypoints) != 0)
        {
            var (h, keypoints, count) = KeypointBatch(state, step);
            terms[Keypoints] = keypoints.ToDouble();
            terms["keypoints per pair"] = count;
            loss = loss + phase.Weight(Keypoints) * keypoints;
            if (forKl is null) forKl = h; else h.Dispose();
        }
        if (phase.Weight(Kl) != 0)
        {
            var kl = PmdTeacherLoss.PriorKl(forKl!.Mu, forKl.Sigma);
            terms[Kl] = kl.ToDouble();
            loss = loss + phase.Weight(Kl) * kl;
        }
        forKl?.Dispose();
        return new StepOutput(loss, terms);
    }

    /// <summary>B training images warped, the hypotheses on (warped, clean) and their flow regression; the valid fraction.</summary>
    static (PmdHypotheses h, Tensor loss, double valid) WarpedBatch(StepState state, long step)
    {
        var (config, parts, teacher) = (state.Config, state.Parts, state.Teacher);
        long seed = config.Run.Seed;
        var model = config.Model;
        int b = config.Data.BatchSize;
        // image k of the training images is image k mod 2 (source, target) of training pair k div 2
        var items = PmdRunParts.Items(seed, ShuffleStream, step, b, 2 * parts.Train.Count);
        var warpPairs = new WarpedImagePair[b];
        var jitter = new ColourJitterDraw[b];
        var kinds = config.Warps.Kinds;
        for (int i = 0; i < b; i++)
        {
            var rng = SampleRandom.For(seed, WarpStream, step, i);
            var warp = SyntheticWarp.Draw(kinds[rng.NextInt(0, kinds.Count)], config.Warps.Ranges, rng);
            jitter[i] = ColourJitterDraw.Draw(rng, config.Warps.ColourJitter);
            using var clean = parts.Train.Image(items[i] / 2, second: items[i] % 2 == 1);
            warpPairs[i] = SyntheticWarpPairs.Apply(clean, warp);
        }
        var keys = items.Select(k => parts.Train.Keys([k / 2], target: k % 2 == 1)[0]).ToArray();
        using var clean4 = torch.stack(warpPairs.Select(p => p.Source).ToArray());
        using var target = parts.Cache.Features(keys, missing => clean4.index_select(0, torch.tensor(missing.Select(m => (long)m).ToArray())));
        using var warped = ColourJitterDraw.Apply(torch.stack(warpPairs.Select(p => p.Target).ToArray()), jitter);
        using var source = parts.Backbone.Features(warped);
        var (gt, valid) = CellGrid.FromPixelFlow(torch.stack(warpPairs.Select(p => p.Flow).ToArray()), torch.stack(warpPairs.Select(p => p.Valid).ToArray()),
            model.GridSize, model.GridSize);
        foreach (var p in warpPairs) p.Dispose();
        using var noise = PmdNoise.For(model, seed, Enumerable.Range(0, b).Select(i => new[] { NoiseStream, step, (long)i }).ToArray());
        var h = teacher.Hypotheses(source, target, noise);
        var loss = PmdTeacherLoss.FlowRegression(h.Flow, gt, valid);
        double fraction = valid.mean().ToDouble();
        gt.Dispose();
        valid.Dispose();
        return (h, loss, fraction);
    }

    /// <summary>B annotated training pairs, the hypotheses on (source, target) and the keypoint cross-entropy of their
    /// correlations; the mean number of keypoints per pair.</summary>
    static (PmdHypotheses h, Tensor loss, double count) KeypointBatch(StepState state, long step)
    {
        var (config, parts, teacher) = (state.Config, state.Parts, state.Teacher);
        long seed = config.Run.Seed;
        int b = config.Data.BatchSize;
        var pairs = PmdRunParts.Items(seed, PairShuffleStream, step, b, parts.Train.Count);
        var keypoints = pairs.Select(i => TrainingKeypoints(state, i)).ToArray();
        if (keypoints.All(k => k.Source.size(0) == 0))
            throw new InvalidDataException($"pmd-teacher: keypoint supervision found no annotated keypoint in training pairs {string.Join(", ", pairs)} of " +
                $"{parts.Train.Name}; it needs a training split with keypoints (PF-PASCAL: a train pair file with XA, YA, XB, YB columns)");
        using var scope = torch.NewDisposeScope();
        var source = parts.Cache.Features(parts.Train.Keys(pairs, target: false), m => Images(parts, pairs, m, target: false));
        var target = parts.Cache.Features(parts.Train.Keys(pairs, target: true), m => Images(parts, pairs, m, target: true));
        using var noise = PmdNoise.For(config.Model, seed, Enumerable.Range(0, b).Select(i => new[] { PairNoiseStream, step, (long)i }).ToArray());
        var h = teacher.Hypotheses(source, target, noise);
        var loss = PmdKeypointLoss.OverHypotheses(h.Correlation!, keypoints, config.Keypoints.Beta, config.Keypoints.Sigma);
        h = new PmdHypotheses(h.Target.MoveToOuterDisposeScope(), h.Flow.MoveToOuterDisposeScope(), h.Mu.MoveToOuterDisposeScope(), h.Sigma.MoveToOuterDisposeScope())
        {
            Correlation = h.Correlation!.MoveToOuterDisposeScope(),
        };
        return (h, loss.MoveToOuterDisposeScope(), keypoints.Average(k => (double)k.Source.size(0)));
    }

    /// <summary>Images [M,3,S,S] of the pairs at positions <paramref name="missing"/> of <paramref name="pairs"/>.</summary>
    static Tensor Images(PmdRunParts parts, int[] pairs, IReadOnlyList<int> missing, bool target)
    {
        var (s, t) = parts.Train.Images(missing.Select(j => pairs[j]).ToArray());
        (target ? s : t).Dispose();
        return target ? t : s;
    }

    /// <summary>Training pair <paramref name="index"/>'s keypoints, normalised in their original images (<see cref="CellGrid"/>).</summary>
    static (Tensor Source, Tensor Target) TrainingKeypoints(StepState state, int index)
    {
        if (state.Keypoints.TryGetValue(index, out var known)) return known;
        using var pair = state.Parts.Train.Keypoints(index);
        // kept for the whole run: out of every dispose scope (a step's scope would free them after first use)
        var result = (CellGrid.PixelsToNormalised(pair.Source.to_type(ScalarType.Float32), pair.SourceWidth, pair.SourceHeight).DetachFromDisposeScope(),
                      CellGrid.PixelsToNormalised(pair.Target.to_type(ScalarType.Float32), pair.TargetWidth, pair.TargetHeight).DetachFromDisposeScope());
        state.Keypoints[index] = result;
        return result;
    }
}

/// <summary>
/// PMD's keypoint-supervised extension (METHODS.md §6): the probabilistic teacher trained on annotated training pairs with
/// <see cref="PmdKeypointLoss"/> (the <c>keypoints</c> term), mixed with the synthetic-warp loss of
/// <see cref="PmdTeacherRecipe"/> (<c>flow</c>, <c>kl</c>; weights in the phases). Its output is a teacher file like
/// <c>pmd-teacher</c>'s, which the <c>pmd-student</c> recipe distils (<c>--set Teacher.Checkpoint=…</c>).
/// Presets: <c>mini</c> as <c>pmd-teacher</c>'s with the keypoint term added; <c>paper</c> Adam 3e-5, batch 16,
/// 100 epochs on PF-PASCAL's training pairs (their keypoints are needed).
/// </summary>
public sealed class PmdTeacherKeypointsRecipe : PmdTeacherRecipe
{
    public override string Name => "pmd-teacher-keypoints";
    public override string Description => "PMD: the probabilistic teacher with keypoint supervision (correlation cross-entropy) mixed with the synthetic-warp loss";

    /// <summary>Where <c>./kit train pmd-teacher-keypoints --preset P</c> writes by default.</summary>
    public static new string DefaultOutput(Preset preset) => Path.Combine("runs", $"pmd-teacher-keypoints-{preset.ToString().ToLowerInvariant()}", OutputFile);

    /// <summary>One phase: keypoints (weight 1), flow regression (<paramref name="flow"/>) and the prior KL.</summary>
    public static IReadOnlyList<LossPhase> KeypointPhases(long steps, double flow = 1, double kl = PmdTeacherLoss.DefaultKlWeight) =>
        [new LossPhase("teacher: keypoints + flow regression + prior KL", steps, new() { [Keypoints] = 1, [Flow] = flow, [Kl] = kl })];

    public override PmdTeacherConfig ForPreset(Preset preset, long seed = 0)
    {
        if (preset == Preset.Laptop)
            throw new ArgumentException("pmd-teacher-keypoints has no laptop preset: footage has no keypoint annotations (use pmd-teacher --preset laptop, or mini / paper here)");
        var config = base.ForPreset(preset, seed);
        return config with { Phases = KeypointPhases(LossPhases.Total(config.Phases)) };
    }
}
