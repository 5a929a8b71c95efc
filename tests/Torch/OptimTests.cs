using System.Text.Json;
using DistillKit.Tests.Support;
using DistillKit.Torch;
using DistillKit.Torch.Modules;
using Xunit;

namespace DistillKit.Tests.Torch;

public class OptimTests
{
    static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceScripts.Golden("nn", "make_nn_golden.py"), file))).RootElement;

    static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    float[] Run(Func<Parameter[], Optimizer> make)
    {
        var g = Load("optim.json");
        using var w = new Parameter(torch.tensor(Floats(g.GetProperty("w0")), 3, 4));
        using var x = torch.tensor(Floats(g.GetProperty("x")), 4, 5);
        using var t = torch.tensor(Floats(g.GetProperty("t")), 3, 5);
        using var opt = make([w]);
        for (int s = 0; s < 5; s++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            w.matmul(x).sub(t).pow(2).sum().backward();
            opt.step();
        }
        return w.data<float>();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd_plain")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void FiveStepsMatchPyTorch(string which)
    {
        Func<Parameter[], Optimizer> make = which switch
        {
            "sgd" => p => torch.optim.SGD(p, 0.01, momentum: 0.9, weight_decay: 0.01, nesterov: true),
            "sgd_plain" => p => torch.optim.SGD(p, 0.01),
            "adam" => p => torch.optim.Adam(p, 0.05, weight_decay: 0.01),
            _ => p => torch.optim.AdamW(p, 0.05, weight_decay: 0.1),
        };
        var expected = Floats(Load("optim.json").GetProperty(which));
        var got = Run(make);
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 4);
    }

    [Theory]
    [InlineData("step")]
    [InlineData("multistep")]
    [InlineData("exponential")]
    [InlineData("cosine")]
    [InlineData("onecycle")]
    public void SchedulersMatchPyTorch(string which)
    {
        using var p = new Parameter(torch.zeros(1));
        using var opt = torch.optim.SGD([p], 0.1);
        LRScheduler s = which switch
        {
            "step" => torch.optim.lr_scheduler.StepLR(opt, 5, 0.5),
            "multistep" => torch.optim.lr_scheduler.MultiStepLR(opt, [3, 7, 15], 0.1),
            "exponential" => torch.optim.lr_scheduler.ExponentialLR(opt, 0.9),
            "cosine" => torch.optim.lr_scheduler.CosineAnnealingLR(opt, 20, 0.001),
            _ => torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, 21, 0.3),
        };
        var expected = Load("sched.json").GetProperty(which).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            s.step();
            Assert.Equal(expected[i], opt.LearningRate, 9);
        }
    }

    [Fact]
    public void ClipGradNormMatchesPyTorch()
    {
        var g = Load("clip.json");
        var shapes = g.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
        var ps = g.GetProperty("params").EnumerateArray().Select((e, i) => new Parameter(torch.tensor(Floats(e), shapes[i]))).ToArray();
        using (var scope = torch.NewDisposeScope())
            ps[0].sum().mul(3).add(ps[1].pow(2).sum()).backward();
        var norm = torch.nn.utils.clip_grad_norm_(ps, 1.0);
        Assert.Equal(g.GetProperty("norm").GetDouble(), norm, 4);
        var clipped = g.GetProperty("clipped").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            var want = Floats(clipped[i]);
            var got = ps[i].grad!.data<float>();
            for (int k = 0; k < want.Length; k++) Assert.Equal(want[k], got[k], 5);
        }
    }

    [Fact]
    public void OptimizerStateRestoresForResume()
    {
        using var w = new Parameter(torch.ones(3));
        using var opt = torch.optim.Adam([w], 0.1);
        using (var scope = torch.NewDisposeScope()) { w.pow(2).sum().backward(); opt.step(); }
        var saved = opt.State().ToDictionary(s => s.name, s => s.tensor.clone());
        using var w2 = new Parameter(torch.ones(3));
        using var opt2 = torch.optim.Adam([w2], 0.1);
        opt2.LoadState(saved, opt.StepCount);
        Assert.Equal(1, opt2.StepCount);
        Assert.Equal(saved["0.exp_avg"].data<float>(), opt2.State().First().tensor.data<float>());
    }
}
