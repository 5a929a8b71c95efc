using DistillKit.Data.Synthetic;
using DistillKit.Losses;
using DistillKit.Models.Pmd;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>
/// PMD's student (METHODS.md §6) end to end. The frozen teacher (<c>pmd-teacher</c>'s output, like
/// <c>distillflow-student</c> loads stage 1) gives K hypotheses and their cycle weights on every clean, unlabelled training
/// pair (<see cref="PmdTeacherTargets"/>); each step augments a batch (<see cref="PmdAugmentation"/>), carries the
/// pseudo-labels, weights and PSR variances through the warps, and trains the static student with CAL
/// (<see cref="PmdCal"/>: cycle weight × PSR weight × squared distance to each hypothesis, plus smoothness). After each
/// epoch the student's validation PCK is measured; when it improves the PSR variances move towards the hypotheses'
/// spread (<see cref="PmdPsr.UpdateVariance"/>) and the weights are kept as the best so far. Output:
/// <c>student.safetensors</c> (<see cref="SemanticMatcherFile"/>); the run record holds held-out PCK of the student, the
/// teacher (mean of its hypotheses, and its mean mode) and the zero flow.
/// </summary>
public sealed class PmdStudentRecipe : Recipe<PmdStudentConfig>
{
    public const string Distill = "distill", Smooth = "smooth";

    /// <summary>Stream keys of the step's draws.</summary>
    public const long ShuffleStream = 41, AugmentStream = 59;

    public const string OutputFile = "student.safetensors";

    public override string Name => "pmd-student";
    public override string Description => "PMD: the static student distilled from the teacher's hypotheses with PSR and CAL on unlabelled pairs";

    /// <summary>One phase: the distillation term with PMD's factor a = 16 and smoothness 0.5.</summary>
    public static IReadOnlyList<LossPhase> StudentPhases(long steps, double distill = PmdCal.DefaultScale, double smooth = PmdCal.DefaultSmoothWeight) =>
        [new LossPhase("student: CAL (distill + smooth)", steps, new() { [Distill] = distill, [Smooth] = smooth })];

    public override PmdStudentConfig ForPreset(Preset preset, long seed = 0)
    {
        var config = preset switch
        {
            Preset.Smoke => new PmdStudentConfig
            {
                Model = PmdConfig.Smoke,
                Data = PmdPresets.SmokeData,
                Phases = StudentPhases(4),
                Optim = new OptimConfig { LearningRate = 1e-4 },
                Loop = new LoopSettings { CheckpointEvery = 2, LogEvery = 1, EvaluateEvery = 2, StepsPerEpoch = 2 },
            },
            Preset.Mini => new PmdStudentConfig
            {
                Model = PmdPresets.MiniModel,
                Data = PmdPresets.MiniData,
                Phases = StudentPhases(PmdPresets.MiniStudentSteps),
                Optim = new OptimConfig { LearningRate = PmdPresets.MiniStudentLearningRate, ClipNorm = 10 },
                Loop = PmdPresets.MiniStudentLoop,
            },
            Preset.Paper => new PmdStudentConfig
            {
                Model = PmdConfig.Paper,
                Data = PmdPresets.PaperData,
                Phases = StudentPhases(PmdPresets.PaperEpochs * PmdPresets.PaperStepsPerEpoch),
                Optim = PmdPresets.PaperOptim,
                Loop = PmdPresets.PaperLoop,
            },
            Preset.Laptop => new PmdStudentConfig
            {
                Model = PmdPresets.LaptopModel,
                Data = PmdPresets.LaptopData,
                Phases = StudentPhases(PmdPresets.LaptopStudentSteps),
                Optim = new OptimConfig { LearningRate = PmdPresets.MiniStudentLearningRate, ClipNorm = 10 },
                Loop = PmdPresets.LaptopLoop,
            },
            _ => throw new ArgumentException($"pmd-student has no {preset} preset (smoke, mini, laptop, paper)"),
        };
        return config with
        {
            Run = new RunSettings { Preset = preset, Seed = seed },
            Teacher = config.Teacher with { Checkpoint = PmdTeacherRecipe.DefaultOutput(preset) },
        };
    }

    public override RecipeSetup Setup(PmdStudentConfig config, RunOptions options)
    {
        long seed = config.Run.Seed;
        var teacher = LoadTeacher(config);
        var parts = PmdRunParts.Create(config.Model, config.Backbone, config.Data, seed, options);
        var student = new PmdStudent(config.Model, seed);
        if (config.Run.Init is { } init) Checkpoint.LoadWeights(student, init);
        else if (config.Teacher.StudentFromTeacher) CopyShared(teacher, student);
        var targets = new PmdTeacherTargets(teacher, parts, seed, config.Losses, cached: config.Data.FeatureCache != FeatureCacheMode.None);
        var log = PmdValidationLog.Open(options.OutDir, options.Resume);
        var psr = new PsrState(config, targets, parts.Train.Count);
        var configJson = System.Text.Json.JsonSerializer.Serialize(config, Json.Options);
        bool started = false;
        return new RecipeSetup
        {
            Parts = [new TrainPart("model", student, config.Optim)],
            Step = step =>
            {
                if (!started)
                {
                    log.RewindTo(step);
                    psr.CatchUp(log.Improvements);
                    started = true;
                }
                return parts.Timed(() => StepLoss(config, parts, targets, psr, student, step));
            },
            EvaluateDuring = config.Loop.EvaluateEvery > 0 ? at =>
            {
                started = true;
                var pck = PmdEvaluations.Of(parts.Validation, config.Data.ValidationPairs, parts.Cache, config.Data.EvalBatchSize,
                    new Dictionary<string, PmdFlowFunction> { [PmdEvaluations.Student] = PmdEvaluations.MatcherFlow(student) });
                double value = pck[PmdEvaluations.Student].At(config.Selection.Alpha);
                bool improved = log.Record(at, value, student, seed, configJson);
                if (improved) psr.CatchUp(log.Improvements);   // METHODS: v is updated after each epoch whose validation PCK improved
                return new Dictionary<string, double> { [$"val pck@{config.Selection.Alpha}"] = value, ["improved"] = improved ? 1 : 0 };
            } : null,
            Evaluate = () =>
            {
                long? selected = PmdTeacherRecipe.Select(config.Selection, log, student, options);
                student.eval();
                var rows = PmdEvaluations.Of(parts.Test, config.Data.TestPairs, parts.Cache, config.Data.EvalBatchSize, new Dictionary<string, PmdFlowFunction>
                {
                    [PmdEvaluations.Student] = PmdEvaluations.MatcherFlow(student),
                    [PmdEvaluations.TeacherMean] = PmdEvaluations.TeacherMeanFlow(teacher, seed, PmdSplit.Test),
                    [PmdEvaluations.TeacherMeanMode] = PmdEvaluations.MatcherFlow(teacher),
                    [PmdEvaluations.Identity] = PmdEvaluations.IdentityFlow,
                });
                SemanticMatcherFile.Save(Path.Combine(options.OutDir, OutputFile), student, selected ?? LossPhases.Total(config.Phases), seed, configJson);
                var (mean, median) = parts.StepTimes();
                return new PmdEvaluation
                {
                    Split = parts.Test.Name, Pairs = rows.Values.First().Pairs, Pck = rows,
                    Validation = log.Entries.ToDictionary(e => e.Step, e => e.Value), SelectedStep = selected,
                    MeanStepMs = mean, MedianStepMs = median, CacheHits = parts.Cache.Hits, CacheMisses = parts.Cache.Misses,
                    PsrUpdates = psr.Updates,
                };
            },
        };
    }

    /// <summary>The frozen teacher of <see cref="PmdStudentTeacher.Checkpoint"/> (eval mode, no gradients); its
    /// architecture must be the config's <see cref="PmdStudentConfig.Model"/>.</summary>
    public static PmdTeacher LoadTeacher(PmdStudentConfig config)
    {
        var path = config.Teacher.Checkpoint ?? throw new ArgumentException("pmd-student: Teacher.Checkpoint is not set (the output of ./kit train pmd-teacher)");
        if (!File.Exists(path))
            throw new FileNotFoundException($"pmd-student: the teacher {path} does not exist; train it first (./kit train pmd-teacher --preset " +
                $"{config.Run.Preset.ToString().ToLowerInvariant()}) or set Teacher.Checkpoint", path);
        var matcher = SemanticMatcherFile.Load(path);
        if (matcher is not PmdTeacher teacher)
        {
            matcher.Dispose();
            throw new InvalidDataException($"pmd-student: {path} holds a student, not a PMD teacher (pmd-teacher's output)");
        }
        if (teacher.Config != config.Model)
        {
            teacher.Dispose();
            throw new ArgumentException($"pmd-student: the teacher {path} was trained with another architecture than the config's Model " +
                "(backbone, widths, input size, kernel soft-argmax, hypotheses must agree); use the teacher's preset or set Model to match");
        }
        teacher.eval();
        foreach (var p in teacher.parameters()) p.requires_grad = false;
        return teacher;
    }

    /// <summary>Every weight and buffer of the student from the teacher's tensor of the same name (the teacher has each).</summary>
    public static void CopyShared(PmdTeacher teacher, PmdStudent student)
    {
        var from = teacher.state_dict();
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in student.state_dict())
            tensor.copy_(from.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"pmd-student: the teacher has no '{name}'"));
    }

    /// <summary>The loss of one step (see the class summary); draws from (seed, step) only.</summary>
    static StepOutput StepLoss(PmdStudentConfig config, PmdRunParts parts, PmdTeacherTargets targets, PsrState psr, PmdStudent student, long step)
    {
        long seed = config.Run.Seed;
        int b = config.Data.BatchSize, cells = config.Model.GridSize;
        var losses = config.Losses;
        var items = PmdRunParts.Items(seed, ShuffleStream, step, b, parts.Train.Count);
        var (hyps, cycle) = targets.Of(items);
        var draws = Enumerable.Range(0, b).Select(i => config.Augment.Draw(SampleRandom.For(seed, AugmentStream, step, i))).ToArray();
        bool clean = draws.All(d => d.IsIdentity);
        var (source, target) = parts.Train.Images(items);
        using var aug = PmdAugmentation.Apply(source, target, draws, cells, cells);
        var carried = aug.CarryFlow(hyps);                                         // [K,B,2,h,w]
        var inBounds = aug.SourceInBounds;
        if (losses.TargetInBounds) inBounds = inBounds.mul(aug.TargetInBounds(carried.mean([0])));
        var weights = losses.Cal ? aug.CarryField(cycle).mul(inBounds.unsqueeze(0)) : inBounds.unsqueeze(0).expand(carried.size(0), -1, -1, -1, -1);

        // clean pairs (augmentation off) reuse the cached features; augmented pixels need the backbone
        using var fs = clean ? PmdImages.Features(parts.Cache, parts.Train, items, target: false) : parts.Backbone.Features(aug.Source);
        using var ft = clean ? PmdImages.Features(parts.Cache, parts.Train, items, target: true) : parts.Backbone.Features(aug.Target);
        using var matches = student.Match(fs, ft);
        var flow = matches.Flow;
        var psrWeights = losses.Psr ? PmdPsr.Weights(flow, carried, aug.CarryField(psr.Of(items)), losses.PsrForm) : torch.ones_like(carried);

        var (phase, _) = LossPhases.At(config.Phases, step);
        var terms = new Dictionary<string, double>();
        Tensor loss = torch.zeros(1).squeeze();
        if (phase.Weight(Distill) != 0)
        {
            var distill = PmdCal.Compute(flow, carried, weights, psrWeights, scale: 1, smoothWeight: 0);
            terms[Distill] = distill.ToDouble();
            loss = loss + phase.Weight(Distill) * distill;
        }
        if (phase.Weight(Smooth) != 0)
        {
            var smooth = PmdCal.Smooth(flow);
            terms[Smooth] = smooth.ToDouble();
            loss = loss + phase.Weight(Smooth) * smooth;
        }
        terms["weight"] = weights.mean().ToDouble();
        return new StepOutput(loss, terms);
    }

    /// <summary>
    /// PSR's per-pair variances v [N,2,h,w] (METHODS.md §6), initial 1. They change only at improving validations, each
    /// time by <see cref="PmdPsr.UpdateVariance"/> with the pair's cached hypotheses, so the variances after m improvements
    /// are m updates of the initial ones: <see cref="CatchUp"/> brings them to the validation history's count (after a
    /// resume, too).
    /// </summary>
    sealed class PsrState(PmdStudentConfig config, PmdTeacherTargets targets, int pairs)
    {
        Tensor? _variance;

        public int Updates { get; private set; }

        Tensor Variance => _variance ??= PmdPsr.InitialVariance(pairs, config.Model.GridSize, config.Model.GridSize).DetachFromDisposeScope();

        /// <summary>The variances of pairs <paramref name="indices"/>, [B,2,h,w].</summary>
        public Tensor Of(IReadOnlyList<int> indices) => Variance.index_select(0, torch.tensor(indices.Select(i => (long)i).ToArray()));

        /// <summary>Applies updates until <paramref name="improvements"/> have been applied (nothing when PSR is off).</summary>
        public void CatchUp(int improvements)
        {
            if (!config.Losses.Psr) return;
            while (Updates < improvements)
            {
                const int chunk = 64;
                for (int start = 0; start < pairs; start += chunk)
                {
                    using var scope = torch.NewDisposeScope();
                    var indices = Enumerable.Range(start, Math.Min(chunk, pairs - start)).ToArray();
                    var (hyps, _) = targets.Of(indices);
                    var rows = Variance.narrow(0, start, indices.Length);
                    rows.copy_(PmdPsr.UpdateVariance(rows, hyps.to(rows.dtype), config.Losses.PsrRate));
                }
                Updates++;
            }
        }
    }
}
