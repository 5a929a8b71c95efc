using static DistillKit.Torch.torch.nn;
using static DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Torch.Modules;

/// <summary>2-D convolution over NCHW input; weight [out, in/groups, kh, kw], PyTorch's default initialisation.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    public readonly long stride, padding, dilation, groups;

    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
    {
        if (in_channels % groups != 0 || out_channels % groups != 0)
            throw new ArgumentException($"Conv2d: channels {in_channels}→{out_channels} must be divisible by groups {groups}");
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        using var w = torch.empty([out_channels, in_channels / groups, kernel_size, kernel_size]);
        weight = new Parameter(w);
        if (bias)
        {
            using var b = torch.empty([out_channels]);
            this.bias = new Parameter(b);
        }
        init.ResetConv(weight, this.bias);
    }

    public override Tensor forward(Tensor input) => conv2d(input, weight, bias, stride, padding, dilation, groups);
}

/// <summary>2-D transposed convolution; weight [in, out/groups, kh, kw].</summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    public readonly long stride, padding, output_padding, dilation, groups;

    public ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
        long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1)
    {
        this.stride = stride;
        this.padding = padding;
        this.output_padding = output_padding;
        this.dilation = dilation;
        this.groups = groups;
        using var w = torch.empty([in_channels, out_channels / groups, kernel_size, kernel_size]);
        weight = new Parameter(w);
        if (bias)
        {
            using var b = torch.empty([out_channels]);
            this.bias = new Parameter(b);
        }
        init.ResetConv(weight, this.bias);
    }

    public override Tensor forward(Tensor input) => conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

/// <summary>y = x Wᵀ + b; weight [out, in].</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public Linear(long in_features, long out_features, bool bias = true)
    {
        using var w = torch.empty([out_features, in_features]);
        weight = new Parameter(w);
        if (bias)
        {
            using var b = torch.empty([out_features]);
            this.bias = new Parameter(b);
        }
        init.ResetConv(weight, this.bias);
    }

    public override Tensor forward(Tensor input) => linear(input, weight, bias);
}

/// <summary>Batch normalisation over channel dim 1 with running statistics (buffers running_mean, running_var, num_batches_tracked).</summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    public Parameter? weight, bias;
    public Tensor running_mean, running_var, num_batches_tracked;
    public readonly double eps, momentum;

    public BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
    {
        this.eps = eps;
        this.momentum = momentum;
        if (affine)
        {
            using var w = torch.ones(num_features);
            using var b = torch.zeros(num_features);
            weight = new Parameter(w);
            bias = new Parameter(b);
        }
        running_mean = torch.zeros(num_features).DetachFromDisposeScope();
        running_var = torch.ones(num_features).DetachFromDisposeScope();
        num_batches_tracked = torch.zeros([], ScalarType.Int64).DetachFromDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var ng = torch.no_grad();
            num_batches_tracked.add_(1);
        }
        return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps);
    }
}

/// <summary>Instance normalisation (per sample and channel), no running statistics, optional affine.</summary>
public sealed class InstanceNorm2d : Module<Tensor, Tensor>
{
    public Parameter? weight, bias;
    public readonly double eps;

    public InstanceNorm2d(long num_features, double eps = 1e-5, bool affine = false)
    {
        this.eps = eps;
        if (affine)
        {
            using var w = torch.ones(num_features);
            using var b = torch.zeros(num_features);
            weight = new Parameter(w);
            bias = new Parameter(b);
        }
    }

    public override Tensor forward(Tensor input) => instance_norm(input, null, null, weight, bias, true, 0.1, eps);
}

/// <summary>Group normalisation with affine parameters.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public Parameter weight, bias;
    public readonly long num_groups;
    public readonly double eps;

    public GroupNorm(long num_groups, long num_channels, double eps = 1e-5)
    {
        if (num_channels % num_groups != 0) throw new ArgumentException($"GroupNorm: {num_channels} channels not divisible by {num_groups} groups");
        this.num_groups = num_groups;
        this.eps = eps;
        using var w = torch.ones(num_channels);
        using var b = torch.zeros(num_channels);
        weight = new Parameter(w);
        bias = new Parameter(b);
    }

    public override Tensor forward(Tensor input) => group_norm(input, num_groups, weight, bias, eps);
}

/// <summary>An elementwise activation as a module.</summary>
public sealed class Activation : Module<Tensor, Tensor>
{
    readonly Func<Tensor, Tensor> _f;
    readonly string _name;

    public Activation(string name, Func<Tensor, Tensor> f)
    {
        _name = name;
        _f = f;
    }

    public override Tensor forward(Tensor input) => _f(input);
    public override string ToString() => _name;
}

/// <summary>Dropout with probability p, active only in training mode.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    public readonly double p;
    public Dropout(double p = 0.5) => this.p = p;
    public override Tensor forward(Tensor input) => dropout(input, p, training);
}

/// <summary>Returns its input (an alias).</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => input.alias();
}

/// <summary>Modules applied in order; children are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    readonly List<Module<Tensor, Tensor>> _items = new();

    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        foreach (var m in modules) append(m);
    }

    public Sequential append(Module<Tensor, Tensor> m)
    {
        register_module(_items.Count.ToString(), m);
        _items.Add(m);
        return this;
    }

    public int Count => _items.Count;
    public Module<Tensor, Tensor> this[int i] => _items[i];

    public override Tensor forward(Tensor input)
    {
        var x = _items[0].forward(input);
        for (int i = 1; i < _items.Count; i++)
        {
            var y = _items[i].forward(x);
            if (DisposeScope.Current is null) x.Dispose();
            x = y;
        }
        return x;
    }
}

/// <summary>A list of modules named "0", "1", ... (PyTorch's nn.ModuleList).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    readonly List<T> _items = new();

    public ModuleList(params T[] modules)
    {
        foreach (var m in modules) append(m);
    }

    public ModuleList<T> append(T m)
    {
        register_module(_items.Count.ToString(), m);
        _items.Add(m);
        return this;
    }

    public int Count => _items.Count;
    public T this[int i] => _items[i];
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
