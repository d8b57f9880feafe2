fn main() -> std::process::ExitCode {
    awsmfa::main()
}
