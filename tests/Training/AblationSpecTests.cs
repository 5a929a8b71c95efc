using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Training;
using DistillKit.Training.Ablation;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using DistillKit.Viz.Display;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>The ablation spec, its one-line syntax, config hashes, metric paths and statistics: no training.</summary>
public class AblationSpecTests
{
    [Fact]
    public void VariantsCombineWithEveryGridPointInOrder()
    {
        var spec = new AblationSpec
        {
            Recipe = "stage1",
            Variants = [new("a", ["Optim.ClipNorm=1"]), new("b", [])],
            Grid = [new("Losses.Tau", ["4", "8"]), new("Optim.LearningRate", ["1e-3"])],
        };
        var v = spec.Expand();
        Assert.Equal(["a,Tau=4,LearningRate=1e-3", "a,Tau=8,LearningRate=1e-3", "b,Tau=4,LearningRate=1e-3", "b,Tau=8,LearningRate=1e-3"], v.Select(x => x.Name));
        Assert.Equal(["Optim.ClipNorm=1", "Losses.Tau=8", "Optim.LearningRate=1e-3"], v[1].Settings);
        Assert.Equal(["Tau=4", "Tau=8"], (spec with { Variants = [], Grid = [spec.Grid[0]] }).Expand().Select(x => x.Name));
        Assert.Equal(["Losses.Tau=4", "Other.Tau=4"], (spec with { Variants = [], Grid = [new("Losses.Tau", ["4"]), new("Other.Tau", ["4"])] }).Expand()
            .Select(x => x.Name).Single().Split(','));   // equal last parts: full keys
        var single = (spec with { Variants = [], Grid = [] }).Expand().Single();
        Assert.Equal(("base", 0), (single.Name, single.Settings.Count));
        Assert.Equal("psi_only", AblationSpec.FolderName("psi only"));
        Assert.Equal("Tau=4_lr=1e-3", AblationSpec.FolderName("Tau=4,lr=1e-3"));
    }

    [Fact]
    public void TheSpecTableListsTheVariantsBeforeAnyRun()
    {
        var spec = new AblationSpec { Recipe = "stage1", Preset = Preset.Smoke, Steps = 8, Seeds = [0, 1], Base = ["Data.EvalPairs=2"],
            Variants = [new("base", []), new("psi only", ["Phases[1].Weights.psi=1", "Phases[1].Weights.census=0"])] };
        var table = spec.Table();
        Assert.Equal(["base", "psi only"], table.Rows.Select(r => r.Name));
        Assert.Equal("(base)", table["base", "settings"]);
        Assert.Equal("Phases[1].Weights.psi=1; Phases[1].Weights.census=0", table["psi only", "settings"]);
        Assert.Equal("stage1 (smoke): 2 variant(s) × seeds 0, 1, 8 steps each; every run: Data.EvalPairs=2", table.Title);
    }

    [Fact]
    public void SpecsThatCannotRunAreRefusedNamingTheCulprit()
    {
        var ok = new AblationSpec { Recipe = "stage1", Variants = [new("a", [])] };
        Assert.Contains("unknown recipe 'stage9'", Assert.Throws<ArgumentException>(() => (ok with { Recipe = "stage9" }).Expand()).Message);
        Assert.Contains("two variants are named 'a'", Assert.Throws<ArgumentException>(() => (ok with { Variants = [new("a", []), new("a", [])] }).Expand()).Message);
        Assert.Contains("'Optim.LearningRate' is not Key=Value", Assert.Throws<ArgumentException>(() => (ok with { Variants = [new("lr", ["Optim.LearningRate"])] }).Expand()).Message);
        Assert.Contains("no seeds", Assert.Throws<ArgumentException>(() => (ok with { Seeds = [] }).Expand()).Message);
        Assert.Contains("seed is given twice", Assert.Throws<ArgumentException>(() => (ok with { Seeds = [1, 1] }).Expand()).Message);
        Assert.Contains("steps must be positive", Assert.Throws<ArgumentException>(() => (ok with { Steps = 0 }).Expand()).Message);
        Assert.Contains("'Losses.Tau' has no values", Assert.Throws<ArgumentException>(() => (ok with { Grid = [new("Losses.Tau", [])] }).Expand()).Message);
        Assert.Contains("would share the folder 'x_y'", Assert.Throws<ArgumentException>(() => (ok with { Variants = [new("x y", []), new("x/y", [])] }).Expand()).Message);
    }

    [Fact]
    public void OneLineSyntaxKeepsBracketsWhole()
    {
        var v = AblationSyntax.Variant("late decay:Optim.Milestones=[100,200],Optim.Gamma=0.5");
        Assert.Equal("late decay", v.Name);
        Assert.Equal(["Optim.Milestones=[100,200]", "Optim.Gamma=0.5"], v.Settings);
        Assert.Empty(AblationSyntax.Variant("base:").Settings);
        Assert.Contains("NAME:Key=Value", Assert.Throws<ArgumentException>(() => AblationSyntax.Variant("Optim.Gamma=0.5")).Message);
        Assert.Contains("'x' is not Key=Value", Assert.Throws<ArgumentException>(() => AblationSyntax.Variant("n:x")).Message);
        var axis = AblationSyntax.Axis("Optim.Milestones=[1,2]|[3]");
        Assert.Equal("Optim.Milestones", axis.Key);
        Assert.Equal(["[1,2]", "[3]"], axis.Values);
        Assert.Contains("an empty value", Assert.Throws<ArgumentException>(() => AblationSyntax.Axis("Losses.Tau=4||8")).Message);
        Assert.Equal([0L, 2L], AblationSyntax.Seeds("0, 2"));
        Assert.Contains("'x' is not an integer", Assert.Throws<ArgumentException>(() => AblationSyntax.Seeds("0,x")).Message);
    }

    [Fact]
    public void SpecFilesRoundTripTakeNumbersAsValuesAndRefuseUnknownFields()
    {
        var spec = AblationSpec.FromJson("""
            {"recipe": "mdflow-forward", "preset": "smoke", "steps": 3, "base": ["Data.EvalPairs=2"],
             "grid": [{"key": "Losses.Tau", "values": [4, 8.5, "16"]}], "seeds": [0, 1], "metrics": ["Networks.student.Model.EpeAll"]}
            """);
        Assert.Equal((Preset.Smoke, 3L), (spec.Preset, spec.Steps!.Value));
        Assert.Equal(["4", "8.5", "16"], spec.Grid[0].Values);
        var again = AblationSpec.FromJson(spec.ToJson());
        Assert.Equal(spec.ToJson(), again.ToJson());
        var e = Assert.Throws<JsonException>(() => AblationSpec.FromJson("""{"recipe": "stage1", "variant": []}"""));
        Assert.Contains("variant", e.Message);
        Assert.Throws<JsonException>(() => AblationSpec.FromJson("""{"preset": "smoke"}"""));   // the recipe is required
    }

    [Fact]
    public void TheConfigHashIgnoresKeyOrderAndWhiteSpaceButNotValues()
    {
        var recipe = RecipeRegistry.Get("stage1");
        var config = recipe.Configure(Preset.Smoke, 0, null, []);
        var json = JsonSerializer.Serialize(config, config.GetType(), Json.Options);
        var reordered = new JsonObject(JsonNode.Parse(json)!.AsObject().Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        Assert.Equal(ConfigHash.Of(config), ConfigHash.Of(JsonNode.Parse(json)));
        Assert.Equal(ConfigHash.Of(config), ConfigHash.Of(reordered));
        Assert.Equal(ConfigHash.Of(config), ConfigHash.Of(JsonNode.Parse(JsonNode.Parse(json)!.ToJsonString()))); // compact, as a record re-reads it
        Assert.NotEqual(ConfigHash.Of(config), ConfigHash.Of(recipe.Configure(Preset.Smoke, 1, null, [])));
        Assert.NotEqual(ConfigHash.Of(config), ConfigHash.Of(recipe.Configure(Preset.Smoke, 0, null, ["Phases[1].Weights.psi=0.5"])));
        Assert.Equal(64, ConfigHash.Of(config).Length);
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", ConfigHash.Of(JsonNode.Parse("{}"))); // SHA-256 of "{}"
    }

    [Fact]
    public void MetricPathsFindNumbersAndListTheAvailableOnes()
    {
        var metrics = JsonNode.Parse("""{"Model": {"EpeAll": 1.5, "Aggregation": "PerImage"}, "Curve": [1, 2], "Odd": "NaN", "Pairs": 4}""");
        Assert.Equal(1.5, MetricPaths.Get(metrics, "model.epeall"));
        Assert.Equal(1.5, MetricPaths.Get(metrics, "metrics.Model.EpeAll"));
        Assert.Equal(2, MetricPaths.Get(metrics, "Curve[1]"));
        Assert.True(double.IsNaN(MetricPaths.Get(metrics, "Odd")!.Value));
        Assert.Null(MetricPaths.Get(metrics, "Model.Aggregation"));
        Assert.Null(MetricPaths.Get(metrics, "Curve[2]"));
        Assert.Null(MetricPaths.Get(metrics, "Model"));
        Assert.Equal(["Model.EpeAll", "Curve[0]", "Curve[1]", "Odd", "Pairs"], MetricPaths.All(metrics));
        var e = Assert.Throws<ArgumentException>(() => MetricPaths.Check(metrics, ["Model.EpeAll", "Model.Epe"], "stage1 (x/run.json)"));
        Assert.Contains("'Model.Epe'", e.Message);
        Assert.Contains("x/run.json", e.Message);
        Assert.Contains("available: Model.EpeAll, Curve[0], Curve[1], Odd, Pairs", e.Message);
    }

    [Fact]
    public void StatisticsAreTheMeanAndTheSampleStandardDeviation()
    {
        var s = MetricStats.Of([1, 2, 4]);
        Assert.Equal(7.0 / 3, s.Mean, 12);
        Assert.Equal(Math.Sqrt(42.0 / 18), s.Std, 12);   // deviations -4/3, -1/3, 5/3; squares sum 42/9; over n - 1 = 2
        Assert.Equal("2.333 ± 1.528", s.Format("0.000"));
        Assert.Equal("2", MetricStats.Of([2]).Format());
        Assert.True(double.IsNaN(MetricStats.Of([2]).Std));
        Assert.Equal("–", MetricStats.Of([]).Format());
    }
}
