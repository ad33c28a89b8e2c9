from monplan.cli import main

main()
