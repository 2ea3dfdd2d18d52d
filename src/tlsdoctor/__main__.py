from tlsdoctor.cli import main

main()
